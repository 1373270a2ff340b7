using System.Text;
using GitOpsDeploy.Core.Ports;
using Octokit;

namespace GitOpsDeploy.GitHub;

/// <summary>
/// The artifact attestations of a repository for one subject digest: <c>GET /repos/{owner}/{repo}/attestations/{subject_digest}</c>,
/// the body returned exactly as GitHub sent it (the verifier reads the Sigstore bundles in it; nothing is trusted here).
/// </summary>
public sealed class OctokitAttestations(IGitHubClient client, RateLimitGate gate) : IAttestations
{
    private const string Permission = "attestations: read (contents: read on a private repository)";

    public async Task<string?> ListAsync(string repository, string digest, CancellationToken cancellationToken)
    {
        var uri = new Uri($"repos/{repository}/attestations/{Uri.EscapeDataString(digest)}", UriKind.Relative);
        try
        {
            var response = await GitHubErrors.Call(
                gate,
                () => client.Connection.GetRaw(uri, new Dictionary<string, string> { ["per_page"] = "30" }),
                $"list the attestations of {digest}",
                repository,
                "token",
                Permission,
                cancellationToken);
            // GitHub answers application/json, which Octokit keeps as text on the HTTP response (Body stays empty).
            return response.HttpResponse.Body switch
            {
                string text => text,
                byte[] bytes => Encoding.UTF8.GetString(bytes),
                _ => throw new Editing.DeployException(Editing.ErrorKind.Transient, $"could not list the attestations of {digest} in {repository}: GitHub answered {(int)response.HttpResponse.StatusCode} without a body"),
            };
        }
        catch (Editing.DeployException e) when (e.InnerException is NotFoundException)
        {
            // GitHub answers 404 both for "no attestation of this digest" and for a repository the token cannot see.
            return null;
        }
    }
}
