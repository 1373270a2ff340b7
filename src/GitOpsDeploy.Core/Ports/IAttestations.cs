namespace GitOpsDeploy.Core.Ports;

/// <summary>GitHub's artifact attestations of a repository (REST <c>GET /repos/{owner}/{repo}/attestations/{subject_digest}</c>).</summary>
public interface IAttestations
{
    /// <summary>
    /// The response body as GitHub sent it (<c>{"attestations":[{"bundle":…,"repository_id":…}]}</c>), to be verified
    /// by the caller; null when the repository has no attestation for <paramref name="digest"/> (GitHub's 404). Other
    /// failures are <see cref="Editing.DeployException"/>s naming the repository and GitHub's answer.
    /// </summary>
    Task<string?> ListAsync(string repository, string digest, CancellationToken cancellationToken);
}
