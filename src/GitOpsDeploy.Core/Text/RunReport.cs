using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Metrics;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Text;

/// <summary>
/// What a run says when it ends, from its result alone: the step outputs and the job summary. Every sentence is a
/// case of the outcome switch, so a new outcome that is not described does not compile quietly into a blank.
/// </summary>
public sealed class RunReport(DeployRequest request, ActionContext context)
{
    /// <summary>The step outputs, in action.yml's order; with several targets the single-value ones describe the first, and <c>results</c> each.</summary>
    public IReadOnlyList<(string Name, string Value)> Outputs(DeployResult result)
    {
        var wrote = result.Operation is not (DeployOperation.None or DeployOperation.DryRun or DeployOperation.Superseded or DeployOperation.Refused);
        var outputs = new List<(string, string)>
        {
            ("changed", Flag(result.Changed)),
            ("operation", DeployResult.OperationName(result.Operation)),
            ("commit-sha", wrote ? result.CommitSha ?? string.Empty : string.Empty),
            ("pull-request-number", result.PullRequest?.Number.ToString(CultureInfo.InvariantCulture) ?? string.Empty),
            ("pull-request-url", result.PullRequest?.Url ?? string.Empty),
            ("merged", Flag(result.Merged)),
            ("verified", Flag(result.Verified && wrote)),
            ("coalesced", Flag(result.Coalesced)),
        };
        outputs.AddRange((result.Dora?.Outputs() ?? new Dictionary<string, string>()).Select(kv => (kv.Key, kv.Value)));
        outputs.Add(("argocd-health", result.Argo?.Last?.Health ?? string.Empty));
        // Always written, empty when Argo CD was not waited for (as argocd-health).
        outputs.AddRange((result.Latency ?? DeployLatency.None).Outputs().Select(kv => (kv.Key, kv.Value)));
        outputs.Add(("promoted", Flag(result.Targets[0].Promotion is not null && result.Changed)));
        outputs.Add(("deployment-id", result.DeploymentId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty));
        outputs.Add(("previous-images", string.Join('\n', result.Edit.Images.Where(i => i.Before is not null).Select(i => i.Before!.ToString()))));
        outputs.Add(("images", string.Join('\n', result.Edit.Images.Select(i => i.After.ToString()))));
        outputs.Add(("results", Results(result)));
        outputs.Add(("plan", Plan(result)?.Encode() ?? string.Empty));
        outputs.Add(("plan-report", PromotionReportText.Markdown(Reports(result), PromotionReportText.OutputBudget)));
        var values = outputs.ToDictionary(o => o.Item1, o => o.Item2, StringComparer.Ordinal);
        // An output the catalogue (action.yml's outputs) does not declare would never reach a workflow: a programming error, not a run's.
        if (values.Keys.FirstOrDefault(name => InputCatalogue.Outputs.All(o => o.Name != name)) is { } undeclared)
        {
            throw new InvalidOperationException($"output '{undeclared}' is not in the catalogue of outputs");
        }

        return [.. InputCatalogue.Outputs.Where(o => values.ContainsKey(o.Name)).Select(o => (o.Name, values[o.Name]))];
    }

    /// <summary>The <c>results</c> output: one JSON object per target, in the order the environments were given (built from nodes: no reflection, so it survives trimming).</summary>
    public static string Results(DeployResult result)
    {
        var array = new JsonArray();
        foreach (var target in result.Targets)
        {
            array.Add((JsonNode)new JsonObject
            {
                ["environment"] = target.Target.Environment,
                ["overlay-path"] = target.Edit.OverlayPath,
                ["operation"] = DeployResult.OperationName(result.OperationOf(target)),
                ["images"] = new JsonArray([.. target.Edit.Images.Select(i => (JsonNode)i.After.ToString())]),
                ["previous-images"] = new JsonArray([.. target.Edit.Images.Where(i => i.Before is not null).Select(i => (JsonNode)i.Before!.ToString())]),
                ["deployment-id"] = target.DeploymentId is { } id ? JsonValue.Create(id) : null,
                ["argocd-health"] = target.Argo?.Last?.Health is { } health ? JsonValue.Create(health) : null,
                ["commit-to-synced-seconds"] = target.Latency?.CommitToSyncedSeconds is { } synced ? JsonValue.Create(synced) : null,
                ["commit-to-healthy-seconds"] = target.Latency?.CommitToHealthySeconds is { } healthy ? JsonValue.Create(healthy) : null,
            });
        }

        return array.ToJsonString();
    }

    /// <summary>What a plan of this result binds (null when a target has no report: the report step did not run).</summary>
    public static PlanBinding? Plan(DeployResult result) =>
        result.Targets.All(t => t.Report?.Binding is not null) && result.Targets.Count > 0
            ? new PlanBinding(result.BaseSha, [.. result.Targets.Select(t => t.Report!.Binding!)])
            : null;

    private static IReadOnlyList<TargetReport> Reports(DeployResult result) => [.. result.Targets.Select(t => t.Report).OfType<TargetReport>()];

    /// <summary>The job summary of a run that ended with a result: each target's change, then one sentence for the outcome.</summary>
    public string Summary(DeployResult result)
    {
        var sb = new StringBuilder();
        var several = result.Targets.Count > 1;
        foreach (var target in result.Targets)
        {
            if (several)
            {
                sb.Append(CultureInfo.InvariantCulture, $"#### {target.Target.Environment} (`{target.Edit.OverlayPath}`): {DeployResult.OperationName(result.OperationOf(target))}\n\n");
            }

            sb.Append(ChangeTable.Of(target.Edit)).Append('\n');
            foreach (var attested in target.Attested)
            {
                // From a verified certificate, yet shown as code without backticks of its own: it is outside text.
                sb.Append(CultureInfo.InvariantCulture, $"\nAttested: `{attested.Image}` `{attested.Digest}` was built and signed by `{attested.Trailer.Replace("`", string.Empty, StringComparison.Ordinal)}`{(attested.SourceCommit is { } commit ? $" from `{commit[..Math.Min(12, commit.Length)]}`" : string.Empty)} (GitHub artifact attestation, verified).\n");
            }

            if (target.FreezeOverride is { } freezeOverride)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\n**Freeze overridden** (override-freeze): {freezeOverride}.\n");
            }
            if (target.Argo is { } argo)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\nArgo CD: {argo.Reason}{(target.Latency is { } latency ? $" ({latency.Text()})" : string.Empty)}.\n");
            }

            if (target.Analysis is { } analysis)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\nMetric analysis: {analysis.Summary(int.MaxValue)}.\n");
            }

            if (target.DeploymentId is { } id && request.Source.Repository is { } source && context.ServerUrl is { } server)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\nDeployment [{id}]({server.TrimEnd('/')}/{source}/deployments) on `{source}@{request.Source.ShortSha}`: {(result.Landed ? "success" : "queued")}.\n");
            }

            if (target.Dora is { } dora)
            {
                sb.Append(dora.Markdown(target.Target.Environment)).Append('\n');
            }

            sb.Append('\n');
        }

        if (Reports(result) is { Count: > 0 } reports)
        {
            sb.Append(PromotionReportText.Markdown(reports, PromotionReportText.SummaryBudget).TrimEnd('\n')).Append("\n\n");
        }

        return Titled(sb.Append(request.Review.PlanOnly ? PlanSentence(result) : Sentence(result)).ToString());
    }

    /// <summary>The job summary of a run that failed: the reason, and whether a deployment was created.</summary>
    public string Failed(DeployException error, int deploymentsCreated) =>
        Titled($"**Failed:** {error.Describe()}"
            + (request.Reporting.Deployment && request.Source.Repository is not null && deploymentsCreated == 0
                ? $"\n\nNo deployment was created on `{request.Source.Repository}`: the run stopped before there was anything to deploy."
                : string.Empty));

    /// <summary>The job summary of a cancelled run: whether its change reached the branch first.</summary>
    public string Cancelled(string? landedSha) => Titled(landedSha is null
        ? "**Cancelled.** The change is not on the branch."
        : $"**Cancelled** after {CommitLink(landedSha)} reached `{Branch}`: the change is deployed; Argo CD was not awaited.");

    /// <summary>The error line of a cancelled run.</summary>
    public string CancelledError(string? landedSha) => landedSha is null
        ? "the run was cancelled; its change is not on the branch and nothing was pushed after the cancellation"
        : $"the run was cancelled after {landedSha[..7]} reached {Branch} of {request.GitOps.Display}; the change is deployed, what followed (Argo CD, metrics) was not done";

    /// <summary>A plan run's last sentence: nothing was written, and how the plan is applied.</summary>
    private string PlanSentence(DeployResult result) => Plan(result) is { } plan
        ? $"**Plan** `{plan.Digest}` on `{result.BaseBranch}` at {CommitLink(result.BaseSha)}: nothing was written to `{request.GitOps.Display}`. The run that applies it passes `expected-plan: ${{{{ needs.plan.outputs.plan }}}}` and refuses anything else."
        : $"**Plan:** nothing was written to `{request.GitOps.Display}`.";

    /// <summary>One sentence per outcome: what this run did to the gitops repository.</summary>
    private string Sentence(DeployResult result)
    {
        var pr = result.PullRequest is { } p ? $"[#{p.Number}]({p.Url})" : string.Empty;
        return result.Outcome switch
        {
            DeployOutcome.AlreadyThere => $"No change: `{string.Join("`, `", result.Targets.Select(t => t.Edit.OverlayPath))}` already had these images on `{result.BaseBranch}`.",
            DeployOutcome.Proposed { Kind: ProposalKind.Unchanged } => $"No change: pull request {pr} already proposes exactly this.",
            DeployOutcome.Proposed { Kind: ProposalKind.Created } => $"Opened pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOutcome.Proposed => $"Updated pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOutcome.AutoMergeEnabled => $"Auto-merge is enabled on pull request {pr}: GitHub merges it when its checks and reviews pass.",
            DeployOutcome.Merged m => $"Merged pull request {pr} into `{result.BaseBranch}` as {CommitLink(m.Sha)}.",
            DeployOutcome.DryRun => $"Dry run: nothing was pushed to `{request.GitOps.Display}`.",
            DeployOutcome.Superseded s => $"Superseded: {string.Join("; ", s.By.Select(b => $"`{b.Image}` in {b.Environment} already runs a build of `{b.NewerSource[..7]}`, newer than `{request.Source.ShortSha}`"))}. Nothing was written (`force: true` deploys anyway).",
            DeployOutcome.CarriedBy c => $"Carried by another run: {CommitLink(c.Sha)} on `{result.BaseBranch}` holds this change with others (fan-in); this run wrote no commit.",
            DeployOutcome.Pushed { CarriedRuns.Count: > 0 } pushed => $"Pushed {CommitLink(pushed.Sha)} to `{result.BaseBranch}`, carrying {pushed.CarriedRuns.Count} other {(pushed.CarriedRuns.Count == 1 ? "run's change" : "runs' changes")} too: {string.Join(", ", pushed.CarriedRuns)}.",
            DeployOutcome.Pushed pushed => $"Pushed {CommitLink(pushed.Sha)} to `{result.BaseBranch}`.",
            DeployOutcome.Refused r => $"**Refused:** {r.Reason.Describe()}. Nothing was written.",
            _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome.GetType().Name, "an outcome the summary does not describe"),
        };
    }

    private string Branch => request.Landing.BaseBranch ?? "the base branch";

    private string Titled(string body) => $"### GitOpsDeploy: {request.EnvironmentList}\n\n{body}\n";

    private string CommitLink(string sha) =>
        request.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"[`{sha[..7]}`]({server.TrimEnd('/')}/{repo}/commit/{sha})"
            : $"`{sha[..7]}`";

    private static string Flag(bool value) => value ? "true" : "false";
}
