using GitOpsDeploy.Editing;
using Octokit;

namespace GitOpsDeploy.GitHub;

/// <summary>The one place Octokit's exceptions become errors a user can act on.</summary>
internal static class GitHubErrors
{
    /// <summary>
    /// Runs one API call, waiting out rate limits (<see cref="RateLimitGate"/>); <paramref name="what"/> says what we tried, <paramref name="permission"/> what the token needs for it.
    /// Octokit takes no cancellation token: on cancellation the call is abandoned (its answer is never awaited),
    /// so the run can report and exit within the runner's grace period instead of being killed mid-call.
    /// </summary>
    public static async Task<T> Call<T>(RateLimitGate gate, Func<Task<T>> call, string what, string repository, string tokenInput, string permission, CancellationToken cancellationToken)
    {
        try
        {
            return await gate.RunAsync(call, what, cancellationToken);
        }
        catch (ApiException e)
        {
            throw Translate(e, what, repository, tokenInput, permission);
        }
        catch (HttpRequestException e)
        {
            throw Network(e, what, repository);
        }
    }

    public static Task Call(RateLimitGate gate, Func<Task> call, string what, string repository, string tokenInput, string permission, CancellationToken cancellationToken) =>
        Call(gate, async () =>
        {
            await call();
            return true;
        }, what, repository, tokenInput, permission, cancellationToken);

    public static DeployException Translate(ApiException e, string what, string repository, string tokenInput, string permission)
    {
        var detail = Detail(e);
        return e switch
        {
            AuthorizationException => new(ErrorKind.AuthenticationFailed, $"could not {what} on {repository}: GitHub refused the credentials (401); check {tokenInput}", e),
            RateLimitExceededException or SecondaryRateLimitExceededException => new(ErrorKind.Transient, $"could not {what} on {repository}: GitHub's rate limit was hit and did not reset in time ({detail})", e),
            ForbiddenException => new(ErrorKind.PermissionDenied, $"could not {what} on {repository}: {tokenInput} needs {permission} on {repository} ({detail})", e),
            NotFoundException => new(ErrorKind.NotFound, $"could not {what}: {repository} was not found, or {tokenInput} cannot see it (it needs {permission}); check the repository name", e),
            ApiValidationException => new(ErrorKind.InvalidInput, $"could not {what} on {repository}: GitHub rejected the request ({detail})", e),
            _ when (int)e.StatusCode >= 500 => new(ErrorKind.Transient, $"could not {what} on {repository}: GitHub answered {(int)e.StatusCode} ({detail})", e),
            _ => new(ErrorKind.Transient, $"could not {what} on {repository}: GitHub answered {(int)e.StatusCode} ({detail})", e),
        };
    }

    /// <summary>
    /// A request that got no HTTP answer, said the way a user can fix it: an untrusted certificate (a GHES
    /// with a private CA) names the variables that add one; an unreachable host names the URL.
    /// </summary>
    public static DeployException Network(HttpRequestException e, string what, string repository) => e.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError => new(ErrorKind.Transient,
            $"could not {what} on {repository}: the TLS certificate of the GitHub host is not trusted ({e.Message}). For a GitHub Enterprise Server with a private CA, give the step the CA bundle: env SSL_CERT_FILE=/path/to/ca-bundle.pem (or SSL_CERT_DIR) with the file mounted or in the workspace", e),
        HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.ProxyTunnelError => new(ErrorKind.Transient,
            $"could not {what} on {repository}: {e.Message}; check GITHUB_API_URL and the runner's network", e),
        _ => new(ErrorKind.Transient, $"could not {what} on {repository}: {e.Message}", e),
    };

    /// <summary>GitHub's message plus the validation errors' messages, e.g. "Validation Failed: A pull request already exists for ...".</summary>
    public static string Detail(ApiException e)
    {
        var message = e.ApiError?.Message ?? e.Message;
        var errors = e.ApiError?.Errors?.Select(x => x.Message ?? $"{x.Resource}.{x.Field} {x.Code}").Where(x => !string.IsNullOrEmpty(x)).ToList() ?? [];
        return errors.Count == 0 ? message : $"{message}: {string.Join("; ", errors)}";
    }
}
