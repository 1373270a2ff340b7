using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Editing.Images;
using GitOpsDeploy.Editing.Yaml;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>Whether a leader may apply an intent: the request it would apply, or why not.</summary>
internal sealed record Admission(DeployRequest? Request, string? Refusal)
{
    public static Admission Refuse(string reason) => new(null, reason);
}

/// <summary>
/// The leader's gate in front of every intent (fan-in): nothing an intent says is taken on trust.
/// Every field passes the validation of the input it stands for; the proof (the publishing job's ID
/// token, already verified against the issuer's keys) must name the same source repository, commit
/// and run, from an owner the leader trusts; and whether a target is production is the leader's own
/// rule, under which a production target needs a job that ran in that environment of the leader's own
/// repository. <c>force</c> is never carried; policy, windows, holds and mutable-tag rules are the
/// leader's (its request is the template).
/// </summary>
internal static partial class IntentAdmission
{
    private const int MaxTargets = 20;
    private const int MaxLines = 100;

    public static Admission Admit(DeployIntent intent, ProofCheck? proof, DeployRequest applier, string branch, DateTimeOffset now)
    {
        if (Malformed(intent) is { } malformed)
        {
            return Admission.Refuse(malformed);
        }

        if (intent.FromTheFutureAt(now))
        {
            return Admission.Refuse($"it is dated {intent.Created:u}, in the future");
        }

        if (intent.ExpiredAt(now))
        {
            return Admission.Refuse($"published more than {(int)DeployIntent.Lifetime.TotalMinutes} minutes ago");
        }

        if (!string.Equals(intent.GitOpsRepository, applier.GitOps.Display, StringComparison.OrdinalIgnoreCase) || intent.Branch != branch)
        {
            return Admission.Refuse($"it was published for {intent.GitOpsRepository}@{intent.Branch}, not {applier.GitOps.Display}@{branch}");
        }

        switch (proof)
        {
            case null:
                return Admission.Refuse("it carries no proof");
            case ProofCheck.Refused refused:
                return Admission.Refuse($"its proof does not verify: {refused.Reason}");
        }

        var claims = ((ProofCheck.Verified)proof).Claims;
        if (Mismatch(intent, claims) is { } mismatch)
        {
            return Admission.Refuse($"its proof {mismatch}");
        }

        if (!Trusted(applier.Landing.CoalesceTrust, claims.Repository))
        {
            return Admission.Refuse($"{claims.Repository} is not among the owners this run trusts (coalesce-trust: {string.Join(", ", applier.Landing.CoalesceTrust)})");
        }

        var targets = new List<DeployTarget>();
        foreach (var target in intent.Targets)
        {
            var production = IsProduction(applier, target);
            if (production && !string.Equals(claims.Environment, target.Environment, StringComparison.OrdinalIgnoreCase))
            {
                return Admission.Refuse(claims.Environment is null
                    ? $"{target.Environment} is a production environment here, and the job that published it did not run in that environment (no 'environment' claim)"
                    : $"{target.Environment} is a production environment here, and the job that published it ran in '{claims.Environment}'");
            }

            if (production && !string.Equals(claims.Repository, applier.Source.Repository, StringComparison.OrdinalIgnoreCase))
            {
                return Admission.Refuse($"{target.Environment} is a production environment here: only a run of {applier.Source.Repository ?? "this repository"} is carried there, not one of {claims.Repository}");
            }

            targets.Add(new DeployTarget(target.Environment, target.OverlayPath, production));
        }

        try
        {
            return new Admission(applier with
            {
                Source = new SourceRef(intent.SourceRepository, intent.SourceSha) { ShaGiven = true },
                Targets = targets,
                Change = new Change(ChangeKind.Deploy)
                {
                    Images = intent.Images.Select(i => ImageSpec.Parse(i)).ToList(),
                    Settings = intent.Settings.Select(s => ValueSetting.Parse(s)).ToList(),
                    HelmImageKeys = HelmImageKey.ParseList(string.Join('\n', intent.HelmImageKeys)),
                    CreateMissingKeys = intent.CreateMissingKeys,
                },
            }, null);
        }
        catch (DeployException e)
        {
            return Admission.Refuse($"its change does not parse: {e.Message}");
        }
    }

    /// <summary>
    /// Production by the leader's rules, never the intent's: the environment's name (as production-environment: auto
    /// decides), any folder of its overlay path, or a production target of the leader's own with that name or overlay.
    /// </summary>
    public static bool IsProduction(DeployRequest applier, IntentTarget target) =>
        RequestParser.LooksLikeProduction(target.Environment)
        || target.OverlayPath.Split('/', '\\').Any(RequestParser.LooksLikeProduction)
        || applier.Targets.Any(t => t.Production && (string.Equals(t.Environment, target.Environment, StringComparison.OrdinalIgnoreCase) || t.OverlayPath.TrimEnd('/') == target.OverlayPath.TrimEnd('/')));

    /// <summary>Whether the owner (or the repository itself) of <paramref name="repository"/> is in the list.</summary>
    public static bool Trusted(IReadOnlyList<string> trust, string repository)
    {
        var owner = repository.Split('/')[0];
        return trust.Any(t => string.Equals(t, owner, StringComparison.OrdinalIgnoreCase) || string.Equals(t, repository, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The first field that is not what the input it stands for accepts.</summary>
    private static string? Malformed(DeployIntent intent)
    {
        var texts = new[] { intent.Id, intent.Run, intent.SourceRepository, intent.SourceSha, intent.GitOpsRepository, intent.Branch }
            .Concat(intent.Targets.SelectMany(t => new[] { t.Environment, t.OverlayPath }))
            .Concat(intent.Images).Concat(intent.Settings).Concat(intent.HelmImageKeys);
        if (texts.FirstOrDefault(t => t.Any(char.IsControl)) is { } broken)
        {
            return $"a field contains a line break or another control character ({Quote(broken)})";
        }

        if (!IntentId().IsMatch(intent.Id))
        {
            return $"its id {Quote(intent.Id)} is not 12 hexadecimal digits";
        }

        if (!RunName().IsMatch(intent.Run) || !intent.Run.StartsWith(intent.SourceRepository + "#", StringComparison.OrdinalIgnoreCase))
        {
            return $"its run {Quote(intent.Run)} is not <source repository>#<run id>";
        }

        if (!RequestParser.IsOwnerName(intent.SourceRepository) || !FullSha().IsMatch(intent.SourceSha))
        {
            return $"its source {Quote(intent.SourceRepository)}@{Quote(intent.SourceSha)} is not owner/name at a full commit sha";
        }

        if (intent.Targets.Count is 0 or > MaxTargets || intent.Targets.Select(t => t.Environment).Distinct(StringComparer.OrdinalIgnoreCase).Count() != intent.Targets.Count)
        {
            return $"it names {intent.Targets.Count} targets (1 to {MaxTargets} distinct environments)";
        }

        if (intent.Targets.FirstOrDefault(t => !RequestParser.IsEnvironmentName(t.Environment)) is { } badEnvironment)
        {
            return $"{Quote(badEnvironment.Environment)} is not an environment name";
        }

        if (intent.Targets.FirstOrDefault(t => t.OverlayPath.Length == 0 || t.OverlayPath.StartsWith('/') || t.OverlayPath.Contains('\\', StringComparison.Ordinal)) is { } badOverlay)
        {
            return $"its overlay path {Quote(badOverlay.OverlayPath)} is not a relative path";
        }

        if (intent.Images.Count + intent.Settings.Count + intent.HelmImageKeys.Count > MaxLines || intent.Images.Count + intent.Settings.Count == 0)
        {
            return "it changes nothing, or more than a run's inputs can";
        }

        return null;
    }

    /// <summary>How the proof's claims differ from what the intent says of itself, or null when they agree.</summary>
    private static string? Mismatch(DeployIntent intent, RunClaims claims)
    {
        if (!string.Equals(claims.Repository, intent.SourceRepository, StringComparison.OrdinalIgnoreCase))
        {
            return $"was issued to a job of {claims.Repository}, not {intent.SourceRepository}";
        }

        if (!string.Equals(claims.Sha, intent.SourceSha, StringComparison.OrdinalIgnoreCase))
        {
            return $"was issued for commit {Short(claims.Sha)}, not {Short(intent.SourceSha)}";
        }

        return intent.RunId != claims.RunId ? $"was issued to run {claims.RunId}, not {intent.Run}" : null;
    }

    private static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;

    /// <summary>A value shown in a log line or summary: cut, and without control characters.</summary>
    private static string Quote(string value)
    {
        var clean = new string([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
        return "'" + (clean.Length > 80 ? clean[..80] + "..." : clean) + "'";
    }

    [GeneratedRegex("^[0-9a-f]{12}$")]
    private static partial Regex IntentId();

    [GeneratedRegex("^[A-Za-z0-9-]+/[A-Za-z0-9._-]+#[0-9]{1,19}$")]
    private static partial Regex RunName();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex FullSha();
}
