using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Planning;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Editing;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Commands;

/// <summary>Builds the adapters a deploy needs once its request is known.</summary>
public interface IDeployServices
{
    /// <summary>The ports for <paramref name="request"/>; what is disposable goes into <paramref name="owned"/>, disposed after the run.</summary>
    DeployPorts Ports(DeployRequest request, ICollection<IDisposable> owned);
}

/// <summary>
/// The use case the action runs: validate inputs, deploy, report outputs and summary. Every
/// failure ends here as one annotation and exit code 1, after nothing was pushed.
/// </summary>
public sealed class DeployCommand(IActionRuntime runtime, IDeployServices services, ActionContext context, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger logger = loggers.CreateLogger<DeployCommand>();

    public DeployResult? LastResult { get; private set; }

    public async Task<int> RunAsync(IReadOnlyDictionary<string, string> inputs, CancellationToken cancellationToken)
    {
        // Inputs that hold secrets are masked before anything else is printed, even before validation.
        var secretInputs = InputCatalogue.SecretInputs.ToList();
        foreach (var name in secretInputs)
        {
            if (inputs.TryGetValue(name, out var secret) && !string.IsNullOrWhiteSpace(secret))
            {
                runtime.AddMask(secret.Trim());
            }
        }

        // A token is one line: a pasted value with a line break would be sent (and masked) in pieces.
        if (secretInputs.FirstOrDefault(n => inputs.TryGetValue(n, out var s) && s.Trim().Any(char.IsControl)) is { } broken)
        {
            runtime.Error(DeployException.Input(broken, "contains a line break or another control character; a token is a single line (check how the secret was pasted)").Message);
            return 1;
        }

        DeployRequest request;
        try
        {
            request = RequestParser.Parse(inputs, context);
        }
        catch (DeployException e)
        {
            runtime.Error(e.Describe(), e.Location);
            return 1;
        }

        var owned = new List<IDisposable>();
        DeployRunner? runner = null;
        try
        {
            runner = new DeployRunner(services.Ports(request, owned), runtime, context, time, loggers.CreateLogger<DeployRunner>());
            var result = await runner.RunAsync(request, cancellationToken);
            LastResult = result;
            Report(request, result);
            return 0;
        }
        catch (DeployException e)
        {
            runtime.Error(e.Describe(), e.Location);
            Summary(request, $"**Failed:** {e.Describe()}{NoDeployment(request, runner)}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (runner?.LandedBeforeCancel is { } landed)
            {
                runtime.Error($"the run was cancelled after {landed[..7]} reached {request.Landing.BaseBranch ?? "the base branch"} of {request.GitOps.Display}; the change is deployed, what followed (Argo CD, metrics) was not done");
                Summary(request, $"**Cancelled** after {CommitLink(request, landed)} reached `{request.Landing.BaseBranch ?? "the base branch"}`: the change is deployed; Argo CD was not awaited.");
            }
            else
            {
                runtime.Error("the run was cancelled; its change is not on the branch and nothing was pushed after the cancellation");
                Summary(request, "**Cancelled.** The change is not on the branch.");
            }

            return 1;
        }
        catch (Exception e)
        {
            // Unexpected (a bug, a timeout that is not the run's): still one clear line; the stack goes to the debug log only.
            logger.LogDebug("{Exception}", e.ToString());
            runtime.Error($"internal error: {e.Message}");
            Summary(request, $"**Failed:** internal error: {e.Message}");
            return 1;
        }
        finally
        {
            foreach (var client in owned)
            {
                client.Dispose();
            }
        }
    }

    private void Report(DeployRequest request, DeployResult result)
    {
        Output("changed", result.Changed ? "true" : "false");
        Output("operation", DeployResult.OperationName(result.Operation));
        Output("commit-sha", result.Operation is DeployOperation.None or DeployOperation.DryRun or DeployOperation.Superseded ? string.Empty : result.CommitSha ?? string.Empty);
        Output("pull-request-number", result.PullRequest?.Number.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        Output("pull-request-url", result.PullRequest?.Url ?? string.Empty);
        Output("merged", result.Merged ? "true" : "false");
        Output("verified", result.Verified && result.Operation is not (DeployOperation.None or DeployOperation.DryRun or DeployOperation.Superseded) ? "true" : "false");
        Output("coalesced", result.Coalesced ? "true" : "false");
        foreach (var (name, value) in result.Dora?.Outputs() ?? new Dictionary<string, string>())
        {
            Output(name, value);
        }

        // With several targets these describe the first; 'results' describes each.
        Output("argocd-health", result.Argo?.Last?.Health ?? string.Empty);
        Output("promoted", result.Targets[0].Promotion is not null && result.Changed ? "true" : "false");
        Output("deployment-id", result.DeploymentId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        Output("previous-images", string.Join('\n', result.Edit.Images.Where(i => i.Before is not null).Select(i => i.Before!.ToString())));
        Output("images", string.Join('\n', result.Edit.Images.Select(i => i.After.ToString())));
        Output("results", Results(result));

        var sb = new StringBuilder();
        var several = result.Targets.Count > 1;
        foreach (var target in result.Targets)
        {
            if (several)
            {
                sb.Append(CultureInfo.InvariantCulture, $"#### {target.Target.Environment} (`{target.Edit.OverlayPath}`): {DeployResult.OperationName(result.OperationOf(target))}\n\n");
            }

            sb.Append(Table(target));
            if (target.Argo is { } argo)
            {
                sb.Append(CultureInfo.InvariantCulture, $"\nArgo CD: {argo.Reason}.\n");
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

        var pr = result.PullRequest is { } p ? $"[#{p.Number}]({p.Url})" : string.Empty;
        sb.Append(result.Operation switch
        {
            DeployOperation.None when result.PullRequest is not null => $"No change: pull request {pr} already proposes exactly this.",
            DeployOperation.None => $"No change: `{string.Join("`, `", result.Targets.Select(t => t.Edit.OverlayPath))}` already had these images on `{result.BaseBranch}`.",
            DeployOperation.DryRun => $"Dry run: nothing was pushed to `{request.GitOps.Display}`.",
            DeployOperation.Superseded => $"Superseded: {string.Join("; ", result.SupersededBy.Select(s => $"`{s.Image}` in {s.Environment} already runs a build of `{s.NewerSource[..7]}`, newer than `{request.Source.ShortSha}`"))}. Nothing was written (`force: true` deploys anyway).",
            DeployOperation.Pushed when result.Coalesced => $"Carried by another run: {CommitLink(request, result.CommitSha!)} on `{result.BaseBranch}` holds this change with others (fan-in); this run wrote no commit.",
            DeployOperation.Pushed when result.CarriedRuns.Count > 0 => $"Pushed {CommitLink(request, result.CommitSha!)} to `{result.BaseBranch}`, carrying {result.CarriedRuns.Count} other {(result.CarriedRuns.Count == 1 ? "run's change" : "runs' changes")} too: {string.Join(", ", result.CarriedRuns)}.",
            DeployOperation.Pushed => $"Pushed {CommitLink(request, result.CommitSha!)} to `{result.BaseBranch}`.",
            DeployOperation.Created => $"Opened pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOperation.Updated => $"Updated pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOperation.Merged => $"Merged pull request {pr} into `{result.BaseBranch}` as {CommitLink(request, result.CommitSha!)}.",
            DeployOperation.AutoMergeEnabled => $"Auto-merge is enabled on pull request {pr}: GitHub merges it when its checks and reviews pass.",
            _ => string.Empty,
        });
        Summary(request, sb.ToString());
    }

    /// <summary>The <c>results</c> output: one JSON object per target, in the order the environments were given (built from nodes: no reflection, so it survives trimming).</summary>
    public static string Results(DeployResult result)
    {
        var array = new JsonArray();
        foreach (var target in result.Targets)
        {
            var images = new JsonArray();
            foreach (var image in target.Edit.Images)
            {
                images.Add((JsonNode)image.After.ToString());
            }

            var previous = new JsonArray();
            foreach (var image in target.Edit.Images.Where(i => i.Before is not null))
            {
                previous.Add((JsonNode)image.Before!.ToString());
            }

            array.Add(new JsonObject
            {
                ["environment"] = target.Target.Environment,
                ["overlay-path"] = target.Edit.OverlayPath,
                ["operation"] = DeployResult.OperationName(result.OperationOf(target)),
                ["images"] = images,
                ["previous-images"] = previous,
                ["deployment-id"] = target.DeploymentId is { } id ? JsonValue.Create(id) : null,
                ["argocd-health"] = target.Argo?.Last?.Health is { } health ? JsonValue.Create(health) : null,
            });
        }

        return array.ToJsonString();
    }

    private static string Table(TargetResult target)
    {
        var sb = new StringBuilder();
        if (target.Edit.Images.Count > 0)
        {
            sb.Append("| Image | Before | After |\n|---|---|---|\n");
            foreach (var image in target.Edit.Images)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| `{image.After.Name}` | `{CommitMessage.Reference(image.Before)}` | `{CommitMessage.Reference(image.After)}` |\n");
            }
        }

        foreach (var value in target.Edit.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n`{value.File}` `{value.Path}`: `{value.Before ?? "(unset)"}` -> `{value.After}`\n");
        }

        return sb.ToString();
    }

    /// <summary>Says in the summary when a failed run created no deployment (it stopped before there was anything to deploy).</summary>
    private static string NoDeployment(DeployRequest request, DeployRunner? runner) =>
        request.Reporting.Deployment && request.Source.Repository is not null && runner?.DeploymentsCreated == 0
            ? $"\n\nNo deployment was created on `{request.Source.Repository}`: the run stopped before there was anything to deploy."
            : string.Empty;

    /// <summary>Every output goes through the catalogue: a name action.yml does not declare is a bug, caught by any test that reaches it.</summary>
    private void Output(string name, string value) => runtime.SetOutput(InputCatalogue.Output(name), value);

    private void Summary(DeployRequest request, string body) =>
        runtime.AppendSummary($"### GitOpsDeploy: {request.EnvironmentList}\n\n{body}\n");

    private string CommitLink(DeployRequest request, string sha) =>
        request.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"[`{sha[..7]}`]({server.TrimEnd('/')}/{repo}/commit/{sha})"
            : $"`{sha[..7]}`";
}
