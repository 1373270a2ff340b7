using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using GitOpsDeploy.Editing;
using Octokit;

namespace GitOpsDeploy.GitHub.GraphQl;

/// <summary>
/// GraphQL through the same Octokit connection as REST (Octokit has no GraphQL client): one document per
/// operation, each a named <c>.graphql</c> resource (GraphQl/Documents) that a test validates against GitHub's
/// public schema. Queries fail in our words; mutations return GitHub's answer, errors and all, for the caller
/// to decide per part.
/// </summary>
public sealed class GitHubGraphQl(IGitHubClient client, RateLimitGate gate, string repository, Uri endpoint, string tokenInput)
{
    private static readonly ConcurrentDictionary<string, string> Documents = new(StringComparer.Ordinal);
    private int requests;

    /// <summary>GraphQL and REST requests sent for the gitops repository (the benchmarks report them).</summary>
    public int Requests => requests;

    public IGitHubClient Client => client;

    public RateLimitGate Gate => gate;

    /// <summary>Counts a request made on <see cref="Client"/> directly (one whose errors the caller translates itself).</summary>
    public void Count() => Interlocked.Increment(ref requests);

    /// <summary>The text of a named document (GraphQl/Documents/<paramref name="name"/>.graphql).</summary>
    public static string Document(string name) => Documents.GetOrAdd(name, n =>
    {
        using var stream = typeof(GitHubGraphQl).Assembly.GetManifestResourceStream($"graphql/{n}.graphql")
            ?? throw new InvalidOperationException($"no GraphQL document '{n}'");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The names of every document the adapter can send.</summary>
    public static IEnumerable<string> DocumentNames => typeof(GitHubGraphQl).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("graphql/", StringComparison.Ordinal)).Select(n => n["graphql/".Length..^".graphql".Length]);

    /// <summary>A query: its data, or an error in our words (NOT_FOUND names the token; anything else is GitHub's answer).</summary>
    public Task<JsonObject> QueryAsync(string document, JsonObject variables, string what, CancellationToken cancellationToken) =>
        QueryAsync(document, variables, what, "contents: read", cancellationToken);

    /// <summary>A query needing <paramref name="permission"/> (what a refusal names): its data, or an error in our words.</summary>
    public async Task<JsonObject> QueryAsync(string document, JsonObject variables, string what, string permission, CancellationToken cancellationToken)
    {
        var json = await AnswerAsync(document, variables, what, permission, cancellationToken);
        if (json["errors"]?.AsArray().FirstOrDefault() is { } error)
        {
            var type = error["type"]?.GetValue<string>();
            var message = error["message"]?.GetValue<string>() ?? "unknown error";
            throw type == "NOT_FOUND"
                ? new DeployException(ErrorKind.NotFound, $"could not {what}: {message} ({tokenInput} may not see {repository})")
                : new DeployException(ErrorKind.Transient, $"could not {what} on {repository}: GitHub answered {message}");
        }

        return json;
    }

    /// <summary>Whose token this is (the GraphQL viewer; an App installation token answers as its bot), or null when GitHub does not say.</summary>
    public async Task<string?> ViewerLoginAsync(CancellationToken cancellationToken)
    {
        var json = await AnswerAsync("Viewer", [], $"read the identity of {tokenInput}", "metadata: read", cancellationToken);
        return json["data"]?["viewer"]?["login"]?.GetValue<string>() is { Length: > 0 } login ? login : null;
    }

    /// <summary>A mutation: GitHub's whole answer (data and per-field errors); a transport failure is an error in our words.</summary>
    public Task<JsonObject> MutateAsync(string document, JsonObject variables, string what, CancellationToken cancellationToken) =>
        AnswerAsync(document, variables, what, "contents: write", cancellationToken);

    /// <summary>GitHub's whole answer to a document, for a caller that reads its errors itself; <paramref name="permission"/> is what a refusal names.</summary>
    public async Task<JsonObject> AnswerAsync(string document, JsonObject variables, string what, string permission, CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["query"] = Document(document), ["operationName"] = document, ["variables"] = variables }.ToJsonString();
        var response = await RestAsync(c => c.Connection.Post<string>(endpoint, body, "application/json", "application/json"), what, permission, cancellationToken);
        // Octokit leaves Body empty for string responses; the raw text is on the HTTP response.
        return JsonNode.Parse(response.HttpResponse.Body as string is { Length: > 0 } text ? text : "{}") as JsonObject ?? [];
    }

    /// <summary>A REST call on the same connection, gated and counted like GraphQL, failing in our words.</summary>
    public Task<T> RestAsync<T>(Func<IGitHubClient, Task<T>> call, string what, string permission, CancellationToken cancellationToken) =>
        GitHubErrors.Call(gate, () =>
        {
            Interlocked.Increment(ref requests);
            return call(client);
        }, what, repository, tokenInput, permission, cancellationToken);
}
