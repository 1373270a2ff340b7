using GitOpsDeploy.Core.Text;

namespace GitOpsDeploy.Runtime;

/// <summary>The program's stdout and stderr, masked, written line by line under one lock.</summary>
public sealed class ConsoleSink(TextWriter stdout, TextWriter stderr, SecretMasker masker)
{
    private readonly Lock gate = new();

    public SecretMasker Masker { get; } = masker;

    public void WriteLine(string line)
    {
        lock (gate)
        {
            stdout.WriteLine(Masker.Mask(line));
            stdout.Flush();
        }
    }

    public void WriteError(string line)
    {
        lock (gate)
        {
            stderr.WriteLine(Masker.Mask(line));
            stderr.Flush();
        }
    }

    /// <summary>Unmasked: only for <c>::add-mask::</c> itself.</summary>
    internal void WriteRaw(string line)
    {
        lock (gate)
        {
            stdout.WriteLine(line);
            stdout.Flush();
        }
    }
}
