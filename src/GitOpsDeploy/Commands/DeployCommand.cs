using GitOpsDeploy.Core.Pipeline;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Core.Results;
using GitOpsDeploy.Core.Runs;
using GitOpsDeploy.Core.Text;
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
public sealed class DeployCommand(IActionRuntime runtime, IDeployServices services, ActionContext context, TimeProvider time, ILoggerFactory loggers, RunSteps steps)
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
            runtime.Error(e.Message, e.Location);
            return 1;
        }

        // While the first request is in flight, the planner's code is loaded on the idle core.
        _ = Runtime.StartupWarmup.Start();
        var owned = new List<IDisposable>();
        var report = new RunReport(request, context);
        DeployRunner? runner = null;
        try
        {
            runner = new DeployRunner(services.Ports(request, owned), runtime, context, time, loggers.CreateLogger<DeployRunner>(), steps);
            var result = await runner.RunAsync(request, cancellationToken);
            LastResult = result;
            if (result.Outcome is DeployOutcome.Refused refused)
            {
                // A target could not take the change: nothing was written, and the run fails like any bad input.
                return Fail(report, refused.Reason, runner);
            }

            foreach (var (name, value) in report.Outputs(result))
            {
                // Every output goes through the catalogue: a name action.yml does not declare is a bug, caught by any test that reaches it.
                runtime.SetOutput(InputCatalogue.Output(name), value);
            }

            runtime.AppendSummary(report.Summary(result));
            return 0;
        }
        catch (DeployException e)
        {
            return Fail(report, e, runner);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            runtime.Error(report.CancelledError(runner?.LandedBeforeCancel));
            runtime.AppendSummary(report.Cancelled(runner?.LandedBeforeCancel));
            return 1;
        }
        catch (Exception e)
        {
            // Unexpected (a bug, a timeout that is not the run's): still one clear line; the stack goes to the debug log only.
            logger.LogDebug("{Exception}", e.ToString());
            return Fail(report, new DeployException(ErrorKind.Transient, $"internal error: {e.Message}"), runner);
        }
        finally
        {
            foreach (var client in owned)
            {
                client.Dispose();
            }
        }
    }

    private int Fail(RunReport report, DeployException error, DeployRunner? runner)
    {
        runtime.Error(error.Message, error.Location);
        runtime.AppendSummary(report.Failed(error, runner?.DeploymentsCreated ?? 0));
        return 1;
    }
}
