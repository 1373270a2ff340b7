namespace GitOpsDeploy.Sigstore;

/// <summary>Checks a signer identity against an <see cref="AttestationPolicy"/>.</summary>
internal static class PolicyCheck
{
    /// <summary>Throws <see cref="ArgumentException"/> for a policy that cannot be checked (a caller error, not a refusal).</summary>
    public static void Validate(AttestationPolicy policy)
    {
        var repository = policy.SourceRepository?.Trim('/') ?? string.Empty;
        var slash = repository.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == repository.Length - 1 || repository.IndexOf('/', slash + 1) >= 0)
        {
            throw new ArgumentException($"the policy's source repository \"{policy.SourceRepository}\" is not OWNER/REPO", nameof(policy));
        }

        if (!Uri.TryCreate(policy.ServerUrl, UriKind.Absolute, out _) || string.IsNullOrEmpty(policy.Issuer))
        {
            throw new ArgumentException("the policy needs an absolute server URL and an issuer", nameof(policy));
        }
    }

    public static void Check(SignerIdentity identity, AttestationPolicy policy)
    {
        Validate(policy);
        var server = policy.ServerUrl.TrimEnd('/');
        var repository = policy.SourceRepository.Trim('/');
        var slash = repository.IndexOf('/', StringComparison.Ordinal);

        if (identity.Issuer != policy.Issuer)
        {
            throw Refuse(VerificationCheck.Issuer, $"the certificate was issued for tokens of {Show(identity.Issuer)}, expected {policy.Issuer}");
        }

        var expectedRepository = $"{server}/{repository}";
        if (!string.Equals(identity.SourceRepositoryUri, expectedRepository, StringComparison.OrdinalIgnoreCase))
        {
            throw Refuse(VerificationCheck.SourceRepository, $"the build ran in {Show(identity.SourceRepositoryUri)}, expected {expectedRepository}");
        }

        var expectedOwner = $"{server}/{repository[..slash]}";
        if (!string.Equals(identity.SourceRepositoryOwnerUri, expectedOwner, StringComparison.OrdinalIgnoreCase))
        {
            throw Refuse(VerificationCheck.SourceRepository, $"the build's repository owner is {Show(identity.SourceRepositoryOwnerUri)}, expected {expectedOwner}");
        }

        CheckSigner(identity, policy, server, expectedRepository);

        if (!policy.AllowSelfHostedRunners && identity.RunnerEnvironment != "github-hosted")
        {
            throw Refuse(VerificationCheck.RunnerEnvironment, $"the build ran on a {Show(identity.RunnerEnvironment)} runner; only github-hosted runners are allowed");
        }

        if (policy.SourceCommit is not null && !string.Equals(identity.SourceRepositoryDigest, policy.SourceCommit, StringComparison.OrdinalIgnoreCase))
        {
            throw Refuse(VerificationCheck.SourceCommit, $"the build ran on commit {Show(identity.SourceRepositoryDigest)}, expected {policy.SourceCommit}");
        }

        if (policy.SourceRef is not null && identity.SourceRepositoryRef != policy.SourceRef)
        {
            throw Refuse(VerificationCheck.SourceRef, $"the build ran on {Show(identity.SourceRepositoryRef)}, expected {policy.SourceRef}");
        }
    }

    private static void CheckSigner(SignerIdentity identity, AttestationPolicy policy, string server, string expectedRepository)
    {
        var signer = identity.BuildSignerUri;
        if (signer is null)
        {
            throw Refuse(VerificationCheck.SignerWorkflow, $"the certificate names no signing workflow (build signer URI); its subject is {identity.SubjectAlternativeName}");
        }

        if (signer != identity.SubjectAlternativeName)
        {
            throw Refuse(VerificationCheck.SignerWorkflow, $"the certificate's subject {identity.SubjectAlternativeName} is not its build signer {signer}");
        }

        var at = signer.LastIndexOf('@');
        var workflow = at < 0 ? signer : signer[..at];
        if (policy.AllowedSignerWorkflows.Count == 0)
        {
            var prefix = $"{expectedRepository}/.github/workflows/";
            if (!SameUrl(workflow[..Math.Min(prefix.Length, workflow.Length)], prefix) || workflow.Length == prefix.Length)
            {
                throw Refuse(VerificationCheck.SignerWorkflow, $"the signing workflow is {signer}, which is not a workflow of {expectedRepository} (list it in the allowed signer workflows to accept it)");
            }

            return;
        }

        foreach (var allowed in policy.AllowedSignerWorkflows)
        {
            var url = allowed.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? allowed : $"{server}/{allowed.TrimStart('/')}";
            if (url.Contains('@', StringComparison.Ordinal) ? SameUrl(signer, url) : SameUrl(workflow, url))
            {
                return;
            }
        }

        throw Refuse(VerificationCheck.SignerWorkflow, $"the signing workflow is {signer}, which is not one of the allowed {string.Join(", ", policy.AllowedSignerWorkflows)}");
    }

    /// <summary>
    /// Compares GitHub URLs: scheme, host, owner and repository case-insensitively (as GitHub resolves
    /// them), the path inside the repository and the ref exactly.
    /// </summary>
    internal static bool SameUrl(string a, string b)
    {
        var (prefixA, restA) = Split(a);
        var (prefixB, restB) = Split(b);
        return string.Equals(prefixA, prefixB, StringComparison.OrdinalIgnoreCase) && string.Equals(restA, restB, StringComparison.Ordinal);

        static (string Prefix, string Path) Split(string url)
        {
            var parts = url.Split('/', 6);
            return parts.Length < 6 ? (url, string.Empty) : (string.Join('/', parts.Take(5)), parts[5]);
        }
    }

    private static string Show(string? value) => value is null ? "(not in the certificate)" : value;

    private static RefusalException Refuse(VerificationCheck check, string reason) => new(check, reason);
}
