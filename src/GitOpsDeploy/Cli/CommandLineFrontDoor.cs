using CommandLine;
using CommandLine.Text;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Cli;

/// <summary>
/// The terminal's front door: help, version, and arguments checked before anything runs. A mistyped
/// command or flag is an error (exit 2) that names the nearest real one; a value nothing asked for is an
/// error too (the parser would drop it silently: <c>--dry-run false</c> would still be a dry run).
/// CommandLineParser does the binding once the arguments are known to be sound.
/// </summary>
public static class CommandLineFrontDoor
{
    /// <summary>Help and usage are wrapped to this many columns.</summary>
    private const int Width = 100;

    private static readonly string[] HelpFlags = ["--help", "-h"];

    /// <summary>
    /// The verb object the arguments ask for, or null when nothing is to be run: help or the version
    /// was printed (<paramref name="exit"/> 0), or the arguments were refused (2, the reason on stderr).
    /// </summary>
    public static object? Parse(string[] args, TextWriter stdout, TextWriter stderr, out int exit)
    {
        exit = 0;
        VerbInfo verb;
        bool explicitVerb;
        if (args is [var first, ..] && !first.StartsWith('-'))
        {
            if (first == "version")
            {
                stdout.WriteLine(VersionLine());
                return null;
            }

            if (first == "help")
            {
                if (args.Length == 1)
                {
                    stdout.Write(TopLevelHelp());
                    return null;
                }

                args = [args[1], "--help", .. args[2..]];
                first = args[0];
            }

            if (VerbCatalogue.Find(first) is not { } named)
            {
                // The default verb takes no positional arguments: a bare first word can only be a command.
                var hint = Suggestions.DidYouMean(first, VerbCatalogue.Verbs.Select(v => v.Name));
                exit = Refuse(stderr, [$"unknown command '{first}'{(hint is null ? string.Empty : "; " + hint)}"], null);
                return null;
            }

            verb = named;
            explicitVerb = true;
        }
        else
        {
            verb = VerbCatalogue.Default;
            explicitVerb = false;
        }

        var rest = explicitVerb ? args[1..] : args;
        var check = Check(verb, rest);
        if (check.Version)
        {
            stdout.WriteLine(VersionLine());
            return null;
        }

        if (check.Help)
        {
            // "gitops-deploy --help" also lists the commands; "gitops-deploy deploy --help" is about deploy alone.
            stdout.Write(explicitVerb ? VerbHelp(verb) : TopLevelHelp());
            return null;
        }

        if (check.Problems.Count > 0)
        {
            exit = Refuse(stderr, check.Problems, verb);
            return null;
        }

        using var parser = new Parser(s =>
        {
            s.HelpWriter = null;
            s.CaseSensitive = true;
            s.AutoHelp = false;
            s.AutoVersion = false;
        });
        var parsed = parser.ParseArguments(args, VerbCatalogue.Types);
        if (parsed is NotParsed<object> notParsed)
        {
            // Nothing at all: the newcomer's first run, which also gets the list of commands.
            exit = Refuse(stderr, notParsed.Errors.Select(e => Describe(e, verb)).Distinct(StringComparer.Ordinal).ToList(), verb, commands: args.Length == 0);
            return null;
        }

        return parsed.Value;
    }

    /// <summary><c>gitops-deploy 1.2.3</c>.</summary>
    public static string VersionLine() => $"{VerbCatalogue.Program} {VerbCatalogue.Version}";

    /// <summary>What <c>gitops-deploy --help</c> prints: every usage line, the commands, then the default command's options.</summary>
    public static string TopLevelHelp()
    {
        var text = new StringWriter { NewLine = "\n" };
        text.WriteLine($"{VersionLine()}: write images into an environment overlay of a gitops repository.");
        text.WriteLine();
        var usages = VerbCatalogue.Verbs.Select(v => v.Usage()).ToList();
        text.WriteLine($"Usage: {usages[0]}");
        foreach (var usage in usages.Skip(1))
        {
            text.WriteLine($"       {usage}");
        }

        text.WriteLine();
        text.WriteLine("Commands:");
        WriteTable(text, VerbCatalogue.Verbs.Select(v => (v.Name, v.Help)).ToList());
        text.WriteLine();
        var deploy = VerbCatalogue.Default;
        text.WriteLine($"Options of {deploy.Name}, the default command:");
        text.WriteLine();
        WriteOptions(text, deploy);
        text.WriteLine();
        var others = VerbCatalogue.Verbs.Where(v => !v.IsDefault).Select(v => $"'{VerbCatalogue.Program} {v.Name} --help'");
        text.WriteLine($"See {string.Join(" and ", others)} for the other commands.");
        return text.ToString();
    }

    /// <summary>What <c>gitops-deploy VERB --help</c> prints: the usage line, what the verb does, its required arguments, then the rest.</summary>
    public static string VerbHelp(VerbInfo verb)
    {
        var text = new StringWriter { NewLine = "\n" };
        text.WriteLine($"Usage: {verb.Usage()}");
        text.WriteLine();
        foreach (var line in Wrap(verb.Help, Width))
        {
            text.WriteLine(line);
        }

        text.WriteLine();
        WriteOptions(text, verb);
        return text.ToString();
    }

    /// <summary>A "Required:" section (positional arguments, then required options) and an "Options:" section.</summary>
    private static void WriteOptions(TextWriter text, VerbInfo verb)
    {
        List<(string Synopsis, string Help)> required = verb.Values.Where(v => v.Required).Select(v => (v.Synopsis, v.Help))
            .Concat(verb.Options.Where(o => o.Required).Select(o => (o.Synopsis, o.Help))).ToList();
        List<(string Synopsis, string Help)> optional = verb.Values.Where(v => !v.Required).Select(v => (v.Synopsis, v.Help))
            .Concat(verb.Options.Where(o => !o.Required).Select(o => (o.Synopsis, o.Help)))
            .Append(("--help", "Show this help."))
            .Append(("--version", "Show the version."))
            .ToList();
        var column = required.Concat(optional).Max(r => r.Synopsis.Length) + 2;
        if (required.Count > 0)
        {
            text.WriteLine("Required:");
            WriteTable(text, required, column);
            text.WriteLine();
        }

        text.WriteLine("Options:");
        WriteTable(text, optional, column);
    }

    private static void WriteTable(TextWriter text, IReadOnlyList<(string Left, string Right)> rows, int? column = null)
    {
        // A very long synopsis goes on a line of its own rather than pushing every description right.
        var left = Math.Min(column ?? rows.Max(r => r.Left.Length) + 2, 38);
        foreach (var (name, description) in rows)
        {
            var lines = Wrap(description, Width - 2 - left);
            if (name.Length + 2 > left)
            {
                text.WriteLine($"  {name}");
                lines.ForEach(l => text.WriteLine($"  {new string(' ', left)}{l}"));
                continue;
            }

            text.WriteLine($"  {name.PadRight(left)}{lines[0]}");
            lines.Skip(1).ToList().ForEach(l => text.WriteLine($"  {new string(' ', left)}{l}"));
        }
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = string.Empty;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = line.Length == 0 ? word : line + " " + word;
            }
        }

        lines.Add(line);
        return lines;
    }

    /// <summary>Prints the problems, the usage line and where the full help is; the exit code of bad arguments.</summary>
    private static int Refuse(TextWriter stderr, IReadOnlyList<string> problems, VerbInfo? verb, bool commands = false)
    {
        foreach (var problem in problems)
        {
            stderr.WriteLine($"error: {problem}");
        }

        if (verb is not null)
        {
            stderr.WriteLine($"Usage: {verb.Usage()}");
            stderr.WriteLine($"Run '{VerbCatalogue.Program} {verb.Name} --help' for every option.");
        }

        if (verb is null || commands)
        {
            stderr.WriteLine($"Commands: {string.Join(", ", VerbCatalogue.Verbs.Select(v => v.IsDefault ? v.Name + " (the default)" : v.Name))}. Run '{VerbCatalogue.Program} --help' for usage.");
        }

        return 2;
    }

    private sealed record CheckResult(bool Help, bool Version, IReadOnlyList<string> Problems);

    /// <summary>
    /// Walks the arguments as the parser will: an option's value is the next word (a sequence's, every word
    /// up to the next option). Finds unknown options (with the nearest real one), single-dash long options,
    /// and words that no option or positional argument takes.
    /// </summary>
    private static CheckResult Check(VerbInfo verb, string[] args)
    {
        var help = false;
        var version = false;
        var problems = new List<string>();
        var positionals = 0;
        var known = verb.Options.Select(o => o.Name).Append("help").Append("version").ToList();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (HelpFlags.Contains(arg))
            {
                help = true;
                continue;
            }

            if (arg == "--version")
            {
                version = true;
                continue;
            }

            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                var name = equals < 0 ? arg[2..] : arg[2..equals];
                if (verb.Option(name) is not { } option)
                {
                    problems.Add(Unknown(arg[..(equals < 0 ? arg.Length : equals)], name, verb, known));
                    // Its value, if it had one, is not a second problem.
                    i += equals < 0 && i + 1 < args.Length && IsValue(args[i + 1]) ? 1 : 0;
                    continue;
                }

                if (equals >= 0)
                {
                    continue;
                }

                switch (option.Kind)
                {
                    case OptionKind.Value when i + 1 < args.Length && IsValue(args[i + 1]):
                        i++;
                        break;
                    case OptionKind.Sequence:
                        while (i + 1 < args.Length && IsValue(args[i + 1]))
                        {
                            i++;
                        }

                        break;
                    case OptionKind.Switch when i + 1 < args.Length && IsValue(args[i + 1]):
                        problems.Add($"unexpected argument '{args[i + 1]}': --{option.Name} is a switch and takes no value (give it for true, leave it out for false)");
                        i++;
                        break;
                }

                continue;
            }

            if (arg.StartsWith('-') && arg.Length > 1 && arg != "--")
            {
                // No option has a short name: "-environment" is a long option with one dash too few.
                var name = arg.TrimStart('-');
                var hint = Suggestions.DidYouMean(name.Split('=')[0], known, "--");
                problems.Add($"unknown option '{arg}'{(hint is null ? "; options start with --" : "; " + hint)}");
                i += !arg.Contains('=', StringComparison.Ordinal) && i + 1 < args.Length && IsValue(args[i + 1]) ? 1 : 0;
                continue;
            }

            if (positionals < verb.Values.Count)
            {
                positionals++;
                continue;
            }

            problems.Add(verb.Values.Count == 0
                ? $"unexpected argument '{arg}': {verb.Name} takes only options"
                : $"unexpected argument '{arg}'");
        }

        return new CheckResult(help, version, problems);
    }

    private static bool IsValue(string arg) => !arg.StartsWith('-') || arg == "-";

    private static string Unknown(string written, string name, VerbInfo verb, IEnumerable<string> known)
    {
        if (Suggestions.DidYouMean(name, known, "--") is { } hint)
        {
            return $"unknown option '{written}'; {hint}";
        }

        var elsewhere = VerbCatalogue.Verbs.Where(v => v != verb && v.Option(name) is not null).Select(v => $"'{VerbCatalogue.Program} {v.Name}'").ToList();
        return elsewhere.Count > 0
            ? $"unknown option '{written}' for {verb.Name}; it is an option of {string.Join(" and ", elsewhere)}"
            : $"unknown option '{written}'";
    }

    /// <summary>One line for a parser error, naming options as they are written.</summary>
    private static string Describe(Error error, VerbInfo verb) => error switch
    {
        MissingRequiredOptionError { NameInfo.LongName: { Length: > 0 } name } => $"{verb.Option(name)?.Synopsis ?? "--" + name} is required",
        MissingRequiredOptionError => $"{string.Join(" ", verb.Values.Where(v => v.Required).Select(v => v.Synopsis))} is required",
        MissingValueOptionError e => $"--{e.NameInfo.LongName} needs a value",
        RepeatedOptionError e => $"--{e.NameInfo.LongName} is given more than once",
        BadFormatConversionError e => $"--{e.NameInfo.LongName}: the value cannot be read",
        _ => SentenceBuilder.Create().FormatError(error),
    };
}
