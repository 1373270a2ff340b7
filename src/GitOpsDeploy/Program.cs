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
return await CliHost.RunAsync(args, environment, Console.Out, Console.Error, cancellation.Token);
