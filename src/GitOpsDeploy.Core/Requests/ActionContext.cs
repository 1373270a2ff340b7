namespace GitOpsDeploy.Core.Requests;

/// <summary>Facts about the run that the runner provides (GITHUB_* variables), read once by the runtime adapter.</summary>
public sealed record ActionContext(
    string? ServerUrl,
    string? ApiUrl,
    string? Repository,
    string? Sha,
    string? RunId,
    bool IsGitHubActions)
{
    public static readonly ActionContext None = new(null, null, null, null, null, false);

    /// <summary>
    /// This invocation's own id (12 hex digits): it names the run's commits (<c>Deploy-Run</c>), its fan-in
    /// intent and its deployments' payload, so what a run made can be told from what a person wrote. The
    /// runtime draws a random one per invocation (<c>ActionInputs.Context</c>); a context built by hand has zeros.
    /// </summary>
    public string InvocationId { get; init; } = new('0', 12);

    /// <summary>GITHUB_GRAPHQL_URL, when the runner provides it.</summary>
    public string? GraphQlUrl { get; init; }

    /// <summary>Which GitHub this is (GITHUB_SERVER_URL and GITHUB_API_URL), or null when they are missing or fit no GitHub layout.</summary>
    public GitHubHost? GitHub => GitHubHost.Of(ServerUrl, ApiUrl);

    /// <summary>The workflow run's page, used as a deployment's log URL.</summary>
    public string? RunUrl => ServerUrl is null || Repository is null || RunId is null
        ? null
        : $"{ServerUrl.TrimEnd('/')}/{Repository}/actions/runs/{RunId}";
}
