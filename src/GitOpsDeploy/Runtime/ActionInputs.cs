using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Oidc;

namespace GitOpsDeploy.Runtime;

/// <summary>Reads the runner's environment: <c>INPUT_&lt;NAME&gt;</c> variables and the GITHUB_* facts.</summary>
public static class ActionInputs
{
    /// <summary>The runner's variable for an input: upper-cased, spaces to '_', hyphens kept (INPUT_GITOPS-REPOSITORY).</summary>
    public static string VariableName(string input) => "INPUT_" + input.Replace(' ', '_').ToUpperInvariant();

    public static Dictionary<string, string> Read(IReadOnlyDictionary<string, string> environment, IEnumerable<string> names)
    {
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (environment.TryGetValue(VariableName(name), out var value) && !string.IsNullOrWhiteSpace(value))
            {
                inputs[name] = value.Trim();
            }
        }

        return inputs;
    }

    public static ActionContext Context(IReadOnlyDictionary<string, string> environment)
    {
        string? Get(string name) => environment.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        return new ActionContext(
            Get("GITHUB_SERVER_URL"),
            Get("GITHUB_API_URL"),
            Get("GITHUB_REPOSITORY"),
            Get("GITHUB_SHA"),
            Get("GITHUB_RUN_ID"),
            Get("GITHUB_ACTIONS") == "true")
        {
            GraphQlUrl = Get("GITHUB_GRAPHQL_URL"),
            // Random from the kernel (Guid v4 on Linux: getrandom), not RandomNumberGenerator: that would initialise
            // OpenSSL before the first request, on every run's critical path (about 30 ms measured on two cores).
            InvocationId = Guid.NewGuid().ToString("N")[..12],
        };
    }

    /// <summary>The runner's ID-token endpoint (jobs with permissions id-token: write) and the GitHub whose issuer signs the tokens.</summary>
    public static OidcSettings Oidc(IReadOnlyDictionary<string, string> environment)
    {
        string? Get(string name) => environment.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        return new OidcSettings(Get("ACTIONS_ID_TOKEN_REQUEST_URL"), Get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), GitHubHost.Of(Get("GITHUB_SERVER_URL"), Get("GITHUB_API_URL")));
    }
}
