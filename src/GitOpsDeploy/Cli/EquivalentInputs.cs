using System.Text;
using System.Text.RegularExpressions;
using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Cli;

/// <summary>
/// One set of inputs written both ways a person would give them: a workflow step's <c>with:</c> block and
/// the command line. Tokens are never written out: the step names a secret, the command an environment variable.
/// </summary>
public static partial class EquivalentInputs
{
    public const string Uses = "acme/gitops-deploy@v1";

    /// <summary>Inputs whose flag takes several words (the rest take one value, or none for a switch).</summary>
    private static readonly HashSet<string> Sequences = VerbCatalogue.Of(typeof(DeployVerb)).Options
        .Where(o => o.Kind == OptionKind.Sequence).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    private static readonly HashSet<string> Switches = VerbCatalogue.Of(typeof(DeployVerb)).Options
        .Where(o => o.Kind == OptionKind.Switch).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>The inputs as a workflow step, in action.yml's order.</summary>
    public static string WorkflowStep(IReadOnlyDictionary<string, string> inputs)
    {
        var sb = new StringBuilder();
        sb.Append("- uses: ").Append(Uses).Append('\n');
        sb.Append("  with:\n");
        foreach (var (name, value) in Ordered(inputs))
        {
            if (TokenVariables.ByInput.TryGetValue(name, out var variable))
            {
                sb.Append("    ").Append(name).Append(": ${{ secrets.").Append(variable).Append(" }}\n");
            }
            else if (value.Contains('\n', StringComparison.Ordinal))
            {
                sb.Append("    ").Append(name).Append(": |\n");
                foreach (var line in value.Split('\n'))
                {
                    sb.Append("      ").Append(line).Append('\n');
                }
            }
            else
            {
                sb.Append("    ").Append(name).Append(": ").Append(YamlScalar(value)).Append('\n');
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>The inputs as a command, one option per line; a token is taken from its environment variable.</summary>
    public static string CommandLine(IReadOnlyDictionary<string, string> inputs)
    {
        var words = new List<string>();
        var variables = new List<string>();
        foreach (var (name, value) in Ordered(inputs))
        {
            if (TokenVariables.ByInput.TryGetValue(name, out var variable))
            {
                variables.Add($"{variable}=...");
            }
            else if (Switches.Contains(name))
            {
                if (value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase))
                {
                    words.Add("--" + name);
                }
            }
            else if (Sequences.Contains(name))
            {
                words.Add($"--{name} {string.Join(' ', value.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ShellWord))}");
            }
            else
            {
                words.Add($"--{name} {ShellWord(value)}");
            }
        }

        var command = string.Join(' ', variables.Append(VerbCatalogue.Program));
        return words.Count == 0 ? command : command + " \\\n  " + string.Join(" \\\n  ", words);
    }

    /// <summary>A word the shell passes through unchanged: bare when it is safe, else in single quotes.</summary>
    public static string ShellWord(string value) =>
        value.Length > 0 && ShellSafe().IsMatch(value) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static IEnumerable<(string Name, string Value)> Ordered(IReadOnlyDictionary<string, string> inputs) =>
        InputCatalogue.InputNames.Where(n => inputs.TryGetValue(n, out var v) && !string.IsNullOrWhiteSpace(v)).Select(n => (n, inputs[n]));

    private static string YamlScalar(string value) =>
        YamlPlain().IsMatch(value) && !value.Contains(": ", StringComparison.Ordinal) && !YamlNumber().IsMatch(value)
            ? value
            : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    [GeneratedRegex(@"^[A-Za-z0-9_./:@=+,%-]+$")]
    private static partial Regex ShellSafe();

    [GeneratedRegex(@"^[A-Za-z0-9_./@=+][A-Za-z0-9_./@=+:,-]*( [A-Za-z0-9_./@=+:,-]+)*$")]
    private static partial Regex YamlPlain();

    [GeneratedRegex(@"^[-+]?[0-9][0-9_.eE+-]*$|^0[xo]")]
    private static partial Regex YamlNumber();
}
