using System.Collections;
using System.Runtime.InteropServices;
using GitOpsDeploy;

// The runner sends SIGTERM on cancellation and waits ~7.5 s: turn it into a cancellation the run can report.
using var cancellation = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancellation.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? string.Empty, StringComparer.Ordinal);
return await CliHost.RunAsync(args, environment, Console.Out, Console.Error, cancellation.Token);
