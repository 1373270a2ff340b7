using System.Globalization;
using System.Text;
using GitOpsDeploy.Core;
using GitOpsDeploy.Core.Deploy;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Ports;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Commands;

/// <summary>Builds the adapters a deploy needs once its options are known.</summary>
public interface IDeployServices
{
    IGitOpsWorkspace Workspace(DeployOptions options);

    /// <summary>Pull requests on the gitops repository; null when the run needs none.</summary>
    IPullRequests? PullRequests(DeployOptions options);

    /// <summary>Deployments on the source repository; null when disabled or impossible here.</summary>
    IDeployments? Deployments(DeployOptions options);

    /// <summary>Argo CD's API; null when no server is configured.</summary>
    IArgoCd? ArgoCd(DeployOptions options);

    /// <summary>The Pushgateway; null when no URL is configured.</summary>
    IMetricsSink? Metrics(DeployOptions options);
}

/// <summary>
/// The use case the action runs: validate inputs, deploy, report outputs and summary. Every
/// failure ends here as one annotation and exit code 1, after nothing was pushed.
/// </summary>
public sealed class DeployCommand(IActionRuntime runtime, IDeployServices services, ActionContext context, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger logger = loggers.CreateLogger<DeployCommand>();

    /// <summary>Inputs that hold secrets: masked before anything else is printed, even before validation.</summary>
    public static readonly string[] SecretInputs = ["gitops-token", "token", "argocd-token"];

    public DeployResult? LastResult { get; private set; }

    public async Task<int> RunAsync(IReadOnlyDictionary<string, string> inputs, CancellationToken cancellationToken)
    {
        foreach (var name in SecretInputs)
        {
            if (inputs.TryGetValue(name, out var secret) && !string.IsNullOrWhiteSpace(secret))
            {
                runtime.AddMask(secret.Trim());
            }
        }

        // A token is one line: a pasted value with a line break would be sent (and masked) in pieces.
        if (SecretInputs.FirstOrDefault(n => inputs.TryGetValue(n, out var s) && s.Trim().Any(char.IsControl)) is { } broken)
        {
            runtime.Error(DeployException.Input(broken, "contains a line break or another control character; a token is a single line (check how the secret was pasted)").Message);
            return 1;
        }

        DeployOptions options;
        try
        {
            options = DeployOptions.Parse(inputs, context);
        }
        catch (DeployException e)
        {
            runtime.Error(e.Describe(), e.Location);
            return 1;
        }

        try
        {
            var runner = new DeployRunner(services.Workspace(options), services.PullRequests(options), services.Deployments(options), services.ArgoCd(options), services.Metrics(options), runtime, context, time, loggers.CreateLogger<DeployRunner>());
            var result = await runner.RunAsync(options, cancellationToken);
            LastResult = result;
            Report(options, result);
            return 0;
        }
        catch (DeployException e)
        {
            runtime.Error(e.Describe(), e.Location);
            Summary(options, $"**Failed:** {e.Describe()}");
            return 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            runtime.Error("the run was cancelled; nothing was pushed after the cancellation");
            Summary(options, "**Cancelled.**");
            return 1;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unexpected, but still one clear line; the stack goes to the debug log only.
            logger.LogDebug("{Exception}", e.ToString());
            runtime.Error($"internal error: {e.Message}");
            return 1;
        }
    }

    private void Report(DeployOptions options, DeployResult result)
    {
        runtime.SetOutput("changed", result.Changed ? "true" : "false");
        runtime.SetOutput("operation", DeployResult.OperationName(result.Operation));
        runtime.SetOutput("commit-sha", result.Operation is DeployOperation.None or DeployOperation.DryRun ? string.Empty : result.CommitSha ?? string.Empty);
        runtime.SetOutput("pull-request-number", result.PullRequest?.Number.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        runtime.SetOutput("pull-request-url", result.PullRequest?.Url ?? string.Empty);
        runtime.SetOutput("merged", result.Merged ? "true" : "false");
        foreach (var (name, value) in result.Dora?.Outputs() ?? new Dictionary<string, string>())
        {
            runtime.SetOutput(name, value);
        }

        runtime.SetOutput("argocd-health", result.Argo?.Last?.Health ?? string.Empty);
        runtime.SetOutput("promoted", result.Edit.Promotion is not null && result.Changed ? "true" : "false");
        runtime.SetOutput("deployment-id", result.DeploymentId?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
        runtime.SetOutput("previous-images", string.Join('\n', result.Edit.Images.Where(i => i.Before is not null).Select(i => i.Before!.ToString())));
        runtime.SetOutput("images", string.Join('\n', result.Edit.Images.Select(i => i.After.ToString())));

        var sb = new StringBuilder();
        if (result.Edit.Images.Count > 0)
        {
            sb.Append("| Image | Before | After |\n|---|---|---|\n");
            foreach (var image in result.Edit.Images)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| `{image.After.Name}` | `{CommitMessage.Reference(image.Before)}` | `{CommitMessage.Reference(image.After)}` |\n");
            }
        }

        foreach (var value in result.Edit.Values)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n`{value.File}` `{value.Path}`: `{value.Before ?? "(unset)"}` -> `{value.After}`\n");
        }

        var pr = result.PullRequest is { } p ? $"[#{p.Number}]({p.Url})" : string.Empty;
        sb.Append('\n').Append(result.Operation switch
        {
            DeployOperation.None when result.PullRequest is not null => $"No change: pull request {pr} already proposes exactly this.",
            DeployOperation.None => $"No change: `{result.Edit.OverlayPath}` already had these images on `{result.BaseBranch}`.",
            DeployOperation.DryRun => $"Dry run: nothing was pushed to `{options.GitOps.Display}`.",
            DeployOperation.Pushed => $"Pushed {CommitLink(options, result.CommitSha!)} to `{result.BaseBranch}`.",
            DeployOperation.Created => $"Opened pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOperation.Updated => $"Updated pull request {pr} against `{result.BaseBranch}`: waiting for a merge.",
            DeployOperation.Merged => $"Merged pull request {pr} into `{result.BaseBranch}` as {CommitLink(options, result.CommitSha!)}.",
            DeployOperation.AutoMergeEnabled => $"Auto-merge is enabled on pull request {pr}: GitHub merges it when its checks and reviews pass.",
            _ => string.Empty,
        });
        if (result.Dora is { } dora)
        {
            sb.Append(dora.Markdown(options.Environment));
        }

        if (result.Argo is { } argo)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n\nArgo CD: {argo.Reason}.");
        }

        if (result.DeploymentId is { } id && options.SourceRepository is { } source && context.ServerUrl is { } server)
        {
            sb.Append(CultureInfo.InvariantCulture, $"\n\nDeployment [{id}]({server.TrimEnd('/')}/{source}/deployments) on `{source}@{options.SourceSha![..7]}`: {(result.Landed ? "success" : "queued")}.");
        }
        Summary(options, sb.ToString());
    }

    private void Summary(DeployOptions options, string body) =>
        runtime.AppendSummary($"### GitOpsDeploy: {options.Environment}\n\n{body}\n");

    private string CommitLink(DeployOptions options, string sha) =>
        options.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"[`{sha[..7]}`]({server.TrimEnd('/')}/{repo}/commit/{sha})"
            : $"`{sha[..7]}`";
}
