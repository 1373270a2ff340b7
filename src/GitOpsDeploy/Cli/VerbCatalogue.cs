using System.Reflection;
using CommandLine;

namespace GitOpsDeploy.Cli;

/// <summary>How an option takes its value on the command line.</summary>
public enum OptionKind
{
    /// <summary>A bool: present means true, it takes no value.</summary>
    Switch,

    /// <summary>One value.</summary>
    Value,

    /// <summary>Every following value up to the next option.</summary>
    Sequence,
}

/// <summary>One long option of a verb, read from its <see cref="OptionAttribute"/>.</summary>
public sealed record OptionInfo(string Name, string? MetaValue, string Help, bool Required, OptionKind Kind)
{
    /// <summary>How the option is written in help and usage: <c>--name META</c>.</summary>
    public string Synopsis => Kind == OptionKind.Switch || string.IsNullOrEmpty(MetaValue) ? "--" + Name : $"--{Name} {MetaValue}";
}

/// <summary>One positional argument of a verb, read from its <see cref="ValueAttribute"/>.</summary>
public sealed record ValueInfo(string MetaName, string Help, bool Required)
{
    public string Synopsis => MetaName.ToUpperInvariant();
}

/// <summary>A verb as the help, the usage lines and the argument check see it.</summary>
public sealed record VerbInfo(string Name, Type Type, string Help, bool IsDefault, IReadOnlyList<OptionInfo> Options, IReadOnlyList<ValueInfo> Values)
{
    /// <summary>Optional options worth a place in the usage line (what nearly every deploy gives).</summary>
    private static readonly HashSet<string> Featured = new(StringComparer.Ordinal) { "images" };

    public OptionInfo? Option(string name) => Options.FirstOrDefault(o => o.Name == name);

    /// <summary>The usage line, e.g. <c>gitops-deploy [deploy] --gitops-repository REPO --environment ENV [--images IMAGE...] [options]</c>.</summary>
    public string Usage()
    {
        var parts = new List<string> { VerbCatalogue.Program, IsDefault ? $"[{Name}]" : Name };
        parts.AddRange(Values.Select(v => v.Required ? v.Synopsis : $"[{v.Synopsis}]"));
        parts.AddRange(Options.Where(o => o.Required).Select(o => o.Synopsis));
        var optional = Options.Where(o => !o.Required).ToList();
        var shown = optional.Count <= 2 ? optional : optional.Where(o => Featured.Contains(o.Name)).ToList();
        parts.AddRange(shown.Select(o => $"[{o.Synopsis}]"));
        if (shown.Count < optional.Count)
        {
            parts.Add("[options]");
        }

        return string.Join(' ', parts);
    }
}

/// <summary>The verbs of the command line, read once from their attributes.</summary>
public static class VerbCatalogue
{
    public const string Program = "gitops-deploy";

    public static readonly Type[] Types = [typeof(DeployVerb), typeof(ExampleVerb), typeof(InitVerb)];

    public static readonly IReadOnlyList<VerbInfo> Verbs = Types.Select(Describe).ToList();

    public static VerbInfo Default => Verbs.Single(v => v.IsDefault);

    public static VerbInfo? Find(string name) => Verbs.FirstOrDefault(v => v.Name == name);

    public static VerbInfo Of(Type type) => Verbs.Single(v => v.Type == type);

    /// <summary>The version people see: the informational version without its <c>+commit</c> suffix.</summary>
    public static string Version
    {
        get
        {
            var assembly = typeof(VerbCatalogue).Assembly;
            var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString()
                ?? "0.0.0";
            var plus = version.IndexOf('+', StringComparison.Ordinal);
            return plus < 0 ? version : version[..plus];
        }
    }

    private static VerbInfo Describe(Type type)
    {
        var verb = type.GetCustomAttribute<VerbAttribute>() ?? throw new InvalidOperationException($"{type.Name} has no [Verb]");
        var options = new List<OptionInfo>();
        var values = new List<(int Index, ValueInfo Value)>();
        foreach (var property in type.GetProperties())
        {
            if (property.GetCustomAttribute<OptionAttribute>() is { } option)
            {
                var kind = property.PropertyType == typeof(bool) ? OptionKind.Switch
                    : property.PropertyType != typeof(string) && typeof(IEnumerable<string>).IsAssignableFrom(property.PropertyType) ? OptionKind.Sequence
                    : OptionKind.Value;
                options.Add(new OptionInfo(option.LongName, option.MetaValue, option.HelpText, option.Required, kind));
            }
            else if (property.GetCustomAttribute<ValueAttribute>() is { } value)
            {
                values.Add((value.Index, new ValueInfo(value.MetaName, value.HelpText, value.Required)));
            }
        }

        return new VerbInfo(verb.Name, type, verb.HelpText, verb.IsDefault, options, values.OrderBy(v => v.Index).Select(v => v.Value).ToList());
    }
}
