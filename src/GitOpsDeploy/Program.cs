using System.Collections;
using System.Runtime.InteropServices;
using GitOpsDeploy;

// The runner cancels with SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that (actions/runner
// ProcessInvoker): the first signal becomes a cancellation the run reports (deployment inactive) before it exits.
using var cancellation = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
void Cancel(PosixSignalContext context)
{
    context.Cancel = true;
    cancellation.Cancel();
}

var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
try
{
    return await CliHost.RunAsync(args, environment, Console.Out, Console.Error, cancellation.Token);
}
catch (Exception e)
{
    // Last resort: whatever escaped (a bug in building the host) still ends as one annotation and a failed step, never a
    // crash dump. The host's masker is gone here: every secret the environment holds is masked by hand.
    var message = $"internal error: {e.GetType().Name}: {e.Message}";
    foreach (var secret in environment.Where(v => v.Key is "INPUT_GITOPS-TOKEN" or "INPUT_TOKEN" or "INPUT_ARGOCD-TOKEN" or "ACTIONS_ID_TOKEN_REQUEST_TOKEN" or "GITOPS_TOKEN" or "ARGOCD_TOKEN" or "GITHUB_TOKEN").Select(v => v.Value.Trim()).Where(v => v.Length >= 4))
    {
        message = message.Replace(secret, "***", StringComparison.Ordinal);
    }

    Console.Out.WriteLine("::error::" + GitOpsDeploy.Runtime.ActionsRuntime.EscapeData(message));
    return 1;
}
