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
            var runner = new DeployRunner(services.Workspace(options), runtime, time, loggers.CreateLogger<DeployRunner>());
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
            return 1;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
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
        runtime.SetOutput("commit-sha", result.Operation == DeployOperation.Pushed ? result.CommitSha ?? string.Empty : string.Empty);
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

        sb.Append('\n').Append(result.Operation switch
        {
            DeployOperation.None => $"No change: `{result.Edit.OverlayPath}` already had these images on `{result.BaseBranch}`.",
            DeployOperation.DryRun => $"Dry run: the commit was not pushed to `{result.BaseBranch}`.",
            _ => $"Pushed {CommitLink(options, result.CommitSha!)} to `{result.BaseBranch}`.",
        });
        Summary(options, sb.ToString());
    }

    private void Summary(DeployOptions options, string body) =>
        runtime.AppendSummary($"### GitOpsDeploy: {options.Environment}\n\n{body}\n");

    private string CommitLink(DeployOptions options, string sha) =>
        options.GitOps.Repository is { } repo && context.ServerUrl is { } server
            ? $"[`{sha[..7]}`]({server.TrimEnd('/')}/{repo}/commit/{sha})"
            : $"`{sha[..7]}`";
}
