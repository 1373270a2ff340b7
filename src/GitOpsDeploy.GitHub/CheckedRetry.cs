using GitOpsDeploy.Editing;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// Sending again a request that creates something (a deployment, a status, a pull request, a comment, a
/// commit) when GitHub's answer was a 5xx or never came: the first may have taken effect, so GitHub is
/// asked what it holds first, and the request is sent again only when it does not hold it.
/// </summary>
internal static class CheckedRetry
{
    public const int Attempts = 3;

    /// <param name="send">The request, its errors already translated (<see cref="GitHubErrors"/>).</param>
    /// <param name="find">What the request would have made, if GitHub holds it; null when it does not.</param>
    public static async Task<T> RunAsync<T>(Func<Task<T>> send, Func<Task<T?>> find, CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (DeployException e) when (e.Kind == ErrorKind.Transient && attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                if (await find() is { } made)
                {
                    return made;
                }
            }
        }
    }
}
