using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Calendar;

/// <summary>
/// The "stop the line" file kept in the gitops repository (<see cref="DefaultPath"/>): who froze which environments,
/// why, and until when. See the README next to this project for the format.
/// </summary>
public sealed partial class FreezeFile
{
    /// <summary>Where the action looks for the file in the gitops repository.</summary>
    public const string DefaultPath = ".gitops-deploy/freeze.yaml";

    private static readonly HashSet<string> TopFields = new(StringComparer.Ordinal) { "version", "freezes" };
    private static readonly HashSet<string> EntryFields = new(StringComparer.Ordinal) { "environments", "by", "reason", "from", "until" };

    private FreezeFile(string file, IReadOnlyList<FreezeEntry> entries)
    {
        File = file;
        Entries = entries;
    }

    /// <summary>No freezes (the file does not exist).</summary>
    public static FreezeFile Empty { get; } = new(DefaultPath, []);

    public string File { get; }

    public IReadOnlyList<FreezeEntry> Entries { get; }

    /// <summary>Reads the freeze file's text; <paramref name="file"/> is used in messages only.</summary>
    /// <exception cref="CalendarParseException">Invalid YAML or an invalid entry, naming <c>file:line</c> and the field.</exception>
    public static FreezeFile Parse(string yaml, string file = DefaultPath)
    {
        var reader = new Yaml(file);
        var documents = reader.Load(yaml);
        if (documents.Count == 0 || Yaml.IsNull(documents[0].RootNode))
        {
            return new FreezeFile(file, []);
        }

        if (documents.Count > 1)
        {
            throw reader.Error(documents[1].RootNode, "", "one YAML document only");
        }

        var root = reader.Mapping(documents[0].RootNode, "(top level)");
        foreach (var (keyNode, _) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!TopFields.Contains(key))
            {
                throw reader.Error(keyNode, key, "unknown field (expected: version, freezes)");
            }
        }

        if (Child(root, "version") is { } version && reader.Scalar(version, "version") != "1")
        {
            throw reader.Error(version, "version", $"'{((YamlScalarNode)version).Value}' is not a version this action reads (1)");
        }

        var entries = new List<FreezeEntry>();
        if (Child(root, "freezes") is { } list && !Yaml.IsNull(list))
        {
            if (list is not YamlSequenceNode sequence)
            {
                throw reader.Error(list, "freezes", $"must be a list of freezes, not {Yaml.Describe(list)}");
            }

            for (var i = 0; i < sequence.Children.Count; i++)
            {
                entries.Add(ReadEntry(reader, sequence.Children[i], i));
            }
        }

        return new FreezeFile(file, entries);
    }

    /// <summary>Is <paramref name="environment"/> frozen at <paramref name="at"/>, by whom, why, and until when.</summary>
    public FreezeStatus Check(string environment, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var inForce = Entries.Where(e => e.AppliesTo(environment) && e.InForceAt(at)).ToList();
        return new FreezeStatus(environment, at, inForce, inForce.Count == 0 ? at : FrozenUntil(environment, at));
    }

    /// <summary>The next instant after <paramref name="after"/> at which a freeze of <paramref name="environment"/> starts or ends.</summary>
    public DateTimeOffset? NextChange(string environment, DateTimeOffset after) =>
        Entries.Where(e => e.AppliesTo(environment))
            .SelectMany(e => new[] { e.From, e.Until })
            .Where(t => t > after)
            .Min();

    /// <summary>A gate for <see cref="DeployCalendar"/>: the freezes of one environment.</summary>
    public FreezeGate GateFor(string environment) => new(this, environment);

    /// <summary>The first instant from <paramref name="at"/> on at which no freeze of the environment is in force; null: open-ended.</summary>
    private DateTimeOffset? FrozenUntil(string environment, DateTimeOffset at)
    {
        var t = at;
        for (var guard = 0; guard <= Entries.Count; guard++)
        {
            var inForce = Entries.Where(e => e.AppliesTo(environment) && e.InForceAt(t)).ToList();
            if (inForce.Count == 0)
            {
                return t;
            }

            if (inForce.Exists(e => e.Until is null))
            {
                return null;
            }

            t = inForce.Max(e => e.Until!.Value);
        }

        return t;
    }

    private static FreezeEntry ReadEntry(Yaml reader, YamlNode node, int index)
    {
        var path = $"freezes[{index}]";
        var map = reader.Mapping(node, path);
        foreach (var (keyNode, _) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (!EntryFields.Contains(key))
            {
                throw reader.Error(keyNode, $"{path}.{key}", "unknown field (expected: environments, by, reason, from, until)");
            }
        }

        string Required(string field)
        {
            var value = Child(map, field);
            if (value is null || Yaml.IsNull(value))
            {
                throw reader.Error(value ?? node, $"{path}.{field}", field == "by" ? "required: who froze (a GitHub handle or a team)" : "required: why (an incident, a ticket, a sentence)");
            }

            var text = reader.Scalar(value, $"{path}.{field}").Trim();
            return text.Length > 0 ? text : throw reader.Error(value, $"{path}.{field}", "must not be blank");
        }

        var environmentsNode = Child(map, "environments");
        if (environmentsNode is null || Yaml.IsNull(environmentsNode))
        {
            throw reader.Error(environmentsNode ?? node, $"{path}.environments", "required: the environments to freeze (names or globs such as 'prod-*'; '*' for all)");
        }

        IReadOnlyList<string> environments = environmentsNode is YamlScalarNode
            ? [reader.Scalar(environmentsNode, $"{path}.environments")]
            : reader.Strings(environmentsNode, $"{path}.environments");
        if (environments.Count == 0)
        {
            throw reader.Error(environmentsNode, $"{path}.environments", "must name at least one environment");
        }

        var globs = new List<ArgoCdGlob>();
        for (var i = 0; i < environments.Count; i++)
        {
            if (!ArgoCdGlob.TryCompile(environments[i], out var glob, out var error))
            {
                var at = environmentsNode is YamlSequenceNode s ? s.Children[i] : environmentsNode;
                throw reader.Error(at, $"{path}.environments[{i}]", $"'{environments[i]}' is not a valid glob: {error}");
            }

            globs.Add(glob);
        }

        var by = Required("by");
        var reason = Required("reason");
        var from = Instant(reader, Child(map, "from"), $"{path}.from", allowOpen: false);
        var untilNode = Child(map, "until");
        var until = Instant(reader, untilNode, $"{path}.until", allowOpen: true);
        if (from is { } f && until is { } u && u <= f)
        {
            throw reader.Error(untilNode!, $"{path}.until", $"{u:O} is not after from ({f:O})");
        }

        return new FreezeEntry(index, environments, by, reason, from, until, reader.File, Yaml.Line(node)) { Globs = globs };
    }

    /// <summary>RFC 3339 with an explicit offset (<c>2025-12-24T18:00:00+01:00</c>, <c>2025-12-24T17:00:00Z</c>).</summary>
    private static DateTimeOffset? Instant(Yaml reader, YamlNode? node, string field, bool allowOpen)
    {
        if (node is null || Yaml.IsNull(node))
        {
            return null;
        }

        var text = reader.Scalar(node, field).Trim();
        if (allowOpen && text == "open")
        {
            return null;
        }

        var match = Rfc3339().Match(text);
        if (!match.Success)
        {
            var hint = allowOpen ? ", or 'open'" : "";
            throw reader.Error(node, field, $"'{text}' is not an RFC 3339 instant such as 2025-12-24T18:00:00+01:00 or 2025-12-24T17:00:00Z{hint}");
        }

        try
        {
            int Part(string name) => int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture);
            var fraction = match.Groups["fraction"].Success ? match.Groups["fraction"].Value.PadRight(7, '0')[..7] : "0";
            var offset = TimeSpan.Zero;
            if (match.Groups["sign"].Success)
            {
                offset = new TimeSpan(Part("oh"), Part("om"), 0);
                if (offset >= TimeSpan.FromHours(24) || Part("om") > 59)
                {
                    throw new ArgumentOutOfRangeException(nameof(text));
                }

                offset = match.Groups["sign"].Value == "-" ? -offset : offset;
            }

            var local = new DateTime(Part("year"), Part("month"), Part("day"), Part("hour"), Part("minute"), Part("second"), DateTimeKind.Unspecified)
                .AddTicks(long.Parse(fraction, CultureInfo.InvariantCulture));
            return new DateTimeOffset(local, offset);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw reader.Error(node, field, $"'{text}' is not a valid date and time");
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    [GeneratedRegex(@"^(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})[Tt](?<hour>\d{2}):(?<minute>\d{2}):(?<second>\d{2})(?:\.(?<fraction>\d+))?(?:[Zz]|(?<sign>[+-])(?<oh>\d{2}):(?<om>\d{2}))$")]
    private static partial Regex Rfc3339();
}

/// <summary>One freeze: environments (globs), who, why, from when (optional) and until when (null: open-ended).</summary>
public sealed record FreezeEntry(int Index, IReadOnlyList<string> Environments, string By, string Reason, DateTimeOffset? From, DateTimeOffset? Until, string File, int Line)
{
    internal IReadOnlyList<ArgoCdGlob> Globs { get; init; } = [];

    public bool AppliesTo(string environment) =>
        Globs.Count > 0 ? Globs.Any(g => g.IsMatch(environment)) : Environments.Any(p => ArgoCdGlob.Match(p, environment));

    /// <summary>In force from <see cref="From"/> (inclusive, or always) to <see cref="Until"/> (exclusive, or forever).</summary>
    public bool InForceAt(DateTimeOffset at) => (From is null || From <= at) && (Until is null || at < Until);

    public override string ToString()
    {
        var until = Until is { } u ? $"until {u.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}" : "open-ended";
        return $"frozen by {By}: {Reason} ({until}; {File}:{Line})";
    }
}

/// <summary>The freeze answer for one environment at one instant.</summary>
/// <param name="Environment">The environment asked about.</param>
/// <param name="At">The instant asked about.</param>
/// <param name="Freezes">The freezes in force (empty: not frozen).</param>
/// <param name="FrozenUntil">When no freeze is in force any more (chained freezes included); <paramref name="At"/> when not frozen; null when open-ended.</param>
public sealed record FreezeStatus(string Environment, DateTimeOffset At, IReadOnlyList<FreezeEntry> Freezes, DateTimeOffset? FrozenUntil)
{
    public bool Frozen => Freezes.Count > 0;
}
