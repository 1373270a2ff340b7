using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Runtime;

/// <summary>A person at a terminal: plain headings for groups, outputs printed as a table at the end.</summary>
public sealed class TerminalRuntime(ConsoleSink console) : IActionRuntime
{
    private readonly List<KeyValuePair<string, string>> outputs = [];

    public IReadOnlyList<KeyValuePair<string, string>> Outputs => outputs;

    public void AddMask(string secret) => console.Masker.Add(secret);

    public IDisposable Group(string title)
    {
        console.WriteLine($"== {title}");
        return NoOp.Instance;
    }

    public void SetOutput(string name, string value) => outputs.Add(new(name, value));

    public void AppendSummary(string markdown)
    {
    }

    public void Error(string message, SourceLocation? location = null) =>
        console.WriteError($"error: {(location is null ? string.Empty : location + ": ")}{message}");

    public void Warning(string message, SourceLocation? location = null) =>
        console.WriteError($"warning: {(location is null ? string.Empty : location + ": ")}{message}");

    /// <summary>Prints the outputs as a short two-column table; multi-line values are indented.</summary>
    public void PrintOutputs()
    {
        if (outputs.Count == 0)
        {
            return;
        }

        var width = outputs.Max(o => o.Key.Length);
        console.WriteLine(string.Empty);
        console.WriteLine("Outputs:");
        foreach (var (name, value) in outputs)
        {
            var lines = value.Split('\n');
            console.WriteLine($"  {name.PadRight(width)}  {lines[0]}");
            foreach (var more in lines.Skip(1))
            {
                console.WriteLine($"  {new string(' ', width)}  {more}");
            }
        }
    }

    private sealed class NoOp : IDisposable
    {
        public static readonly NoOp Instance = new();

        public void Dispose()
        {
        }
    }
}
