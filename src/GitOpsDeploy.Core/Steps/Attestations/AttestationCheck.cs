using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Sigstore;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Core.Steps.Attestations;

/// <summary>
/// One image digest's GitHub artifact attestation, fetched from the source repository and verified completely by
/// <see cref="AttestationVerifier"/> (signature, certificate chain at the signing time, transparency log or timestamp,
/// subject digest, SLSA provenance) under the policy the inputs give: built in the source repository, from the
/// given commit, by an allowed workflow, on a GitHub-hosted runner unless allowed otherwise. Any refusal is a
/// <see cref="ErrorKind.Policy"/> error naming the image, the digest and the check that failed.
/// </summary>
internal sealed partial class AttestationCheck
{
    /// <summary>One check per run: the preflight, the deploy's step and each promotion attempt share its trusted root.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RunContext, AttestationCheck> PerRun = [];

    private readonly RunContext run;
    private readonly DeployRequest request;
    private readonly string repository;
    private readonly IAttestations attestations;
    private readonly GitHubHost github;
    private readonly AttestationVerifier verifier;

    private AttestationCheck(RunContext run, DeployRequest request)
    {
        this.run = run;
        this.request = request;
        repository = request.Source.Repository ?? throw DeployException.Input("verify-attestations", "needs source-repository");
        attestations = run.Ports.Attestations
            ?? throw DeployException.Input("verify-attestations", $"needs token (read access to {repository}'s attestations) and GITHUB_API_URL to fetch the attestations");
        github = run.Action.GitHub
            ?? throw DeployException.Input("verify-attestations", $"needs to know the GitHub whose Actions built and signed the images (the runner sets both variables): {GitHubHost.Unknown(run.Action.ServerUrl, run.Action.ApiUrl)}");
        verifier = Verifier(run, request.Supply);
    }

    /// <summary>
    /// The check for one step's images: what verify-attestations needs is had here, before the first network request
    /// (the attestations port, the GitHub that signed, a readable trusted root, read once for all the images), so a bad
    /// attestation-trusted-root is refused as an input, not after the registries have been asked. Built once per run
    /// (the request's supply-chain inputs do not change within a run), so the trusted root is read once.
    /// </summary>
    public static AttestationCheck For(RunContext run, DeployRequest request) => PerRun.GetValue(run, r => new(r, request));

    public async Task<AttestedImage> VerifyAsync(string image, string digest, string? sourceCommit, CancellationToken cancellationToken)
    {
        var supply = request.Supply;
        if (!digest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new DeployException(ErrorKind.Policy, $"image '{image}' ({digest}): GitHub attests sha256 digests only; nothing was written");
        }

        var response = await attestations.ListAsync(repository, digest, cancellationToken)
            ?? throw new DeployException(ErrorKind.Policy, $"image '{image}' ({digest}) has no attestation in {repository} (GitHub answered 404: none was made for this digest, or token cannot read them); nothing was written");
        var server = github.ServerUrl;
        var policy = new AttestationPolicy
        {
            SourceRepository = repository,
            SourceCommit = sourceCommit,
            AllowedSignerWorkflows = supply.SignerWorkflows,
            AllowSelfHostedRunners = supply.AllowSelfHostedRunners,
            ServerUrl = server,
            Issuer = github.ActionsIssuer,
        };
        var result = verifier.VerifyGitHubAttestations(response, digest, policy);
        if (!result.IsVerified)
        {
            throw new DeployException(ErrorKind.Policy, $"image '{image}' ({digest}): no attestation in {repository} verifies: {result.FailedCheck}: {result.Reason}; nothing was written");
        }

        var identity = result.Identity!;
        var workflow = identity.BuildSignerUri ?? identity.SubjectAlternativeName;
        var attested = new AttestedImage(
            image,
            digest,
            workflow.StartsWith(server + "/", StringComparison.OrdinalIgnoreCase) ? workflow[(server.Length + 1)..] : workflow,
            identity.RunInvocationUri is { } run1 && RunId().Match(run1) is { Success: true } m ? m.Groups[1].Value : null,
            identity.SourceRepositoryDigest);
        run.Logger.LogInformation("{Image}: {Digest} attested by {Signer} ({Result})", image, digest, attested.Trailer, result.ToString());
        return attested;
    }

    /// <summary>The shipped trusted roots (Sigstore public-good and GitHub's), or the ones attestation-trusted-root names.</summary>
    private static AttestationVerifier Verifier(RunContext run, SupplyChainOptions supply)
    {
        if (supply.TrustedRootPath is not { } path)
        {
            return new AttestationVerifier([TrustedRoot.PublicGood, TrustedRoot.GitHub], run.Time);
        }

        try
        {
            return new AttestationVerifier(TrustedRoot.LoadFile(path), run.Time);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or System.Text.Json.JsonException or ArgumentException)
        {
            throw DeployException.Input("attestation-trusted-root", $"'{path}' could not be read as a Sigstore trusted root: {e.Message}");
        }
    }

    [GeneratedRegex("/actions/runs/([0-9]+)")]
    private static partial Regex RunId();
}
