using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Calendar;

/// <summary>How to treat what Kubernetes and Argo CD would silently accept.</summary>
/// <param name="LikeArgoCd">
/// False (default): an unknown field of a window (Kubernetes prunes it, so a typo such as <c>timezone</c> silently
/// evaluates the window in UTC) and an unknown time zone (Argo CD logs a warning and uses UTC) are errors.
/// True: do what Argo CD does and report a <see cref="CalendarWarning"/> instead.
/// </param>
public sealed record ArgoCdReadOptions(bool LikeArgoCd = false)
{
    public static ArgoCdReadOptions Strict { get; } = new();

    public static ArgoCdReadOptions Lenient { get; } = new(LikeArgoCd: true);
}

/// <summary>The sync windows of one Argo CD <c>AppProject</c>, read from its manifest.</summary>
public sealed class ArgoCdProject
{
    private static readonly HashSet<string> WindowFields = new(StringComparer.Ordinal)
    {
        "kind", "schedule", "duration", "applications", "namespaces", "clusters", "manualSync", "timeZone", "andOperator", "description", "syncOverrun",
    };

    private ArgoCdProject(string name, string file, int line, IReadOnlyList<SyncWindow> windows, IReadOnlyList<CalendarWarning> warnings)
    {
        Name = name;
        File = file;
        Line = line;
        SyncWindows = windows;
        Warnings = warnings;
    }

    /// <summary><c>metadata.name</c> (empty when absent).</summary>
    public string Name { get; }

    public string File { get; }

    /// <summary>Line of the document's <c>kind: AppProject</c>.</summary>
    public int Line { get; }

    public IReadOnlyList<SyncWindow> SyncWindows { get; }

    /// <summary>What Argo CD accepts but is probably a mistake (a window that can match nothing, a schedule that never fires...).</summary>
    public IReadOnlyList<CalendarWarning> Warnings { get; }

    /// <summary>
    /// Reads the one <c>AppProject</c> in <paramref name="yaml"/> (or the one named <paramref name="name"/> when the
    /// file holds several). Other documents (Applications, ...) are skipped.
    /// </summary>
    /// <param name="file">The file's path, used in messages only (nothing is read from disk).</param>
    /// <exception cref="CalendarParseException">Invalid YAML, no such project, or a field Argo CD would refuse.</exception>
    public static ArgoCdProject Parse(string yaml, string file, string? name = null, ArgoCdReadOptions? options = null)
    {
        var projects = ParseAll(yaml, file, options);
        var chosen = name is null ? projects : [.. projects.Where(p => p.Name == name)];
        return chosen.Count switch
        {
            1 => chosen[0],
            0 when name is not null => throw new CalendarParseException(file, 1, "metadata.name", $"no AppProject named '{name}' (found: {string.Join(", ", projects.Select(p => p.Name))})"),
            0 => throw new CalendarParseException(file, 1, "kind", "no AppProject document"),
            _ => throw new CalendarParseException(file, chosen[1].Line, "metadata.name", $"{chosen.Count} AppProjects ({string.Join(", ", chosen.Select(p => p.Name))}): say which"),
        };
    }

    /// <summary>Every <c>AppProject</c> document in the text.</summary>
    public static IReadOnlyList<ArgoCdProject> ParseAll(string yaml, string file, ArgoCdReadOptions? options = null)
    {
        options ??= ArgoCdReadOptions.Strict;
        var reader = new Yaml(file);
        var projects = new List<ArgoCdProject>();
        foreach (var document in reader.Load(yaml))
        {
            if (document.RootNode is not YamlMappingNode root)
            {
                continue;
            }

            var kind = Child(root, "kind");
            if (kind is not YamlScalarNode { Value: "AppProject" })
            {
                continue;
            }

            projects.Add(ReadProject(reader, root, kind, options));
        }

        return projects;
    }

    /// <summary>
    /// Argo CD's <c>SyncWindows.Matches(app).CanSync(isManual, operationStartTime)</c> with its clock at <paramref name="at"/>:
    /// may <paramref name="app"/> sync now, and which windows decide it.
    /// </summary>
    /// <param name="trigger">Automated (the controller's auto-sync) or manual (UI/CLI), which <c>manualSync</c> can let through.</param>
    /// <param name="operationStartedAt">For a sync already running: when it started (sync overrun); null for a new sync.</param>
    public SyncWindowDecision CanSync(ArgoCdApplication app, DateTimeOffset at, SyncTrigger trigger = SyncTrigger.Automated, DateTimeOffset? operationStartedAt = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (SyncWindows.Count == 0)
        {
            return new SyncWindowDecision(true, SyncRule.NoWindows, [], [], []);
        }

        var matching = SyncWindows.Where(w => w.Matches(app)).ToList();
        if (matching.Count == 0)
        {
            return new SyncWindowDecision(true, SyncRule.NoMatchingWindows, [], [], []);
        }

        var manual = trigger == SyncTrigger.Manual;
        var active = matching.Where(w => w.IsActive(at)).ToList();
        var activeDeny = active.Where(w => w.Kind == SyncWindowKind.Deny).ToList();
        if (activeDeny.Count > 0)
        {
            if (manual && activeDeny.TrueForAll(w => w.ManualSync))
            {
                return new SyncWindowDecision(true, SyncRule.ActiveDenyManualSync, activeDeny, matching, active);
            }

            if (operationStartedAt is { } started && activeDeny.TrueForAll(w => w.SyncOverrun) && WouldHaveAllowed(matching, manual, started, at))
            {
                return new SyncWindowDecision(true, SyncRule.ActiveDenyOverrun, activeDeny, matching, active);
            }

            return new SyncWindowDecision(false, SyncRule.ActiveDeny, activeDeny, matching, active);
        }

        var activeAllow = active.Where(w => w.Kind == SyncWindowKind.Allow).ToList();
        if (activeAllow.Count > 0)
        {
            return new SyncWindowDecision(true, SyncRule.ActiveAllow, activeAllow, matching, active);
        }

        var inactiveAllows = matching.Where(w => w.Kind == SyncWindowKind.Allow && !w.IsActive(at)).ToList();
        if (inactiveAllows.Count > 0)
        {
            if (manual && inactiveAllows.TrueForAll(w => w.ManualSync))
            {
                return new SyncWindowDecision(true, SyncRule.OutsideAllowWindowsManualSync, inactiveAllows, matching, active);
            }

            if (operationStartedAt is { } started && inactiveAllows.TrueForAll(w => w.SyncOverrun) && WouldHaveAllowed(matching, manual, started, at))
            {
                return new SyncWindowDecision(true, SyncRule.OutsideAllowWindowsOverrun, inactiveAllows, matching, active);
            }

            return new SyncWindowDecision(false, SyncRule.OutsideAllowWindows, inactiveAllows, matching, active);
        }

        return new SyncWindowDecision(true, SyncRule.NoActiveWindows, [], matching, active);
    }

    /// <summary>
    /// The first instant from <paramref name="at"/> on at which Argo CD would let <paramref name="app"/> sync (see
    /// <see cref="DeployCalendar.AllowedFrom"/> for the boundary rules); <paramref name="at"/> itself when allowed now;
    /// null ("never") when that does not happen within <paramref name="horizon"/> (one year by default).
    /// </summary>
    public DateTimeOffset? NextAllowed(ArgoCdApplication app, DateTimeOffset at, TimeSpan? horizon = null, SyncTrigger trigger = SyncTrigger.Automated) =>
        DeployCalendar.AllowedFrom(at, [GateFor(app, trigger)], at + (horizon ?? DeployCalendar.DefaultHorizon));

    /// <summary>The sync windows of this project for one application, as a gate for <see cref="DeployCalendar"/>.</summary>
    public ArgoCdSyncWindowGate GateFor(ArgoCdApplication app, SyncTrigger trigger = SyncTrigger.Automated) => new(this, app, trigger);

    /// <summary>
    /// Argo CD's <c>canSyncAtTime</c>: the same rules at <paramref name="checkTime"/>, without overrun, but with every
    /// window's zone offset taken at <paramref name="clock"/> (Argo CD uses <c>time.Now()</c> for it).
    /// </summary>
    private static bool WouldHaveAllowed(List<SyncWindow> matching, bool manual, DateTimeOffset checkTime, DateTimeOffset clock)
    {
        var active = matching.Where(w => w.IsActive(checkTime, clock)).ToList();
        var deny = active.Where(w => w.Kind == SyncWindowKind.Deny).ToList();
        if (deny.Count > 0)
        {
            return manual && deny.TrueForAll(w => w.ManualSync);
        }

        if (active.Exists(w => w.Kind == SyncWindowKind.Allow))
        {
            return true;
        }

        var inactiveAllows = matching.Where(w => w.Kind == SyncWindowKind.Allow && !w.IsActive(checkTime, clock)).ToList();
        return inactiveAllows.Count == 0 || (manual && inactiveAllows.TrueForAll(w => w.ManualSync));
    }

    private static ArgoCdProject ReadProject(Yaml reader, YamlMappingNode root, YamlNode kind, ArgoCdReadOptions options)
    {
        var name = "";
        if (Child(root, "metadata") is YamlMappingNode metadata && Child(metadata, "name") is YamlScalarNode { Value: { } n })
        {
            name = n;
        }

        var warnings = new List<CalendarWarning>();
        var windows = new List<SyncWindow>();
        var spec = Child(root, "spec");
        if (spec is not null && !Yaml.IsNull(spec))
        {
            var specMap = reader.Mapping(spec, "spec");
            var list = Child(specMap, "syncWindows");
            if (list is not null && !Yaml.IsNull(list))
            {
                if (list is not YamlSequenceNode sequence)
                {
                    throw reader.Error(list, "spec.syncWindows", $"must be a list of windows, not {Yaml.Describe(list)}");
                }

                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    windows.Add(ReadWindow(reader, sequence.Children[i], i, options, warnings));
                }
            }
        }

        return new ArgoCdProject(name, reader.File, Yaml.Line(kind), windows, warnings);
    }

    private static SyncWindow ReadWindow(Yaml reader, YamlNode node, int index, ArgoCdReadOptions options, List<CalendarWarning> warnings)
    {
        var path = $"spec.syncWindows[{index}]";
        var map = reader.Mapping(node, path);
        foreach (var (keyNode, _) in map.Children)
        {
            var key = keyNode is YamlScalarNode { Value: { } k } ? k : "";
            if (WindowFields.Contains(key))
            {
                continue;
            }

            var suggestion = WindowFields.FirstOrDefault(f => string.Equals(f, key, StringComparison.OrdinalIgnoreCase));
            var hint = suggestion is null ? "" : $" (did you mean '{suggestion}'?)";
            var message = $"unknown field '{key}'{hint}; Kubernetes drops unknown fields, so Argo CD never sees it";
            if (!options.LikeArgoCd)
            {
                throw reader.Error(keyNode, $"{path}.{key}", message);
            }

            warnings.Add(new CalendarWarning(reader.File, Yaml.Line(keyNode), $"{path}.{key}", message));
        }

        string Text(string field)
        {
            var value = Child(map, field);
            return value is null || Yaml.IsNull(value) ? "" : reader.Scalar(value, $"{path}.{field}");
        }

        bool Flag(string field)
        {
            var value = Child(map, field);
            return value is not null && !Yaml.IsNull(value) && reader.Boolean(value, $"{path}.{field}");
        }

        IReadOnlyList<string> Strings(string field)
        {
            var value = Child(map, field);
            return value is null ? [] : reader.Strings(value, $"{path}.{field}");
        }

        YamlNode At(string field) => Child(map, field) ?? node;

        var kindText = Text("kind");
        var kind = kindText switch
        {
            "allow" => SyncWindowKind.Allow,
            "deny" => SyncWindowKind.Deny,
            _ => throw reader.Error(At("kind"), $"{path}.kind", $"kind '{kindText}' mismatch: can only be allow or deny"),
        };

        var scheduleText = Text("schedule");
        if (!CronSchedule.TryParse(scheduleText, out var schedule, out var scheduleError))
        {
            throw reader.Error(At("schedule"), $"{path}.schedule", $"cannot parse schedule '{scheduleText}': {scheduleError}");
        }

        var durationText = Text("duration");
        if (!GoDuration.TryParse(durationText, out var duration, out var durationError))
        {
            throw reader.Error(At("duration"), $"{path}.duration", $"cannot parse duration '{durationText}': {durationError}");
        }

        var zoneText = Text("timeZone");
        var zoneName = zoneText.Length == 0 ? "UTC" : zoneText;
        if (!TimeZones.TryFind(zoneName, out var zone))
        {
            var message = $"'{zoneText}' is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC); Argo CD would log a warning and use UTC";
            if (!options.LikeArgoCd)
            {
                throw reader.Error(At("timeZone"), $"{path}.timeZone", message);
            }

            warnings.Add(new CalendarWarning(reader.File, Yaml.Line(At("timeZone")), $"{path}.timeZone", message));
            zone = TimeZoneInfo.Utc;
            zoneName = "UTC";
        }

        var description = Text("description");
        if (description.Length > 255)
        {
            throw reader.Error(At("description"), $"{path}.description", "description must not exceed 255 characters");
        }

        var window = new SyncWindow(
            index,
            kind,
            schedule,
            durationText,
            duration,
            zoneName,
            zone,
            Strings("applications"),
            Strings("namespaces"),
            Strings("clusters"),
            Flag("manualSync"),
            Flag("andOperator"),
            Flag("syncOverrun"),
            description,
            reader.File,
            Yaml.Line(node));
        Warn(window, reader, map, path, warnings);
        return window;
    }

    private static void Warn(SyncWindow window, Yaml reader, YamlMappingNode map, string path, List<CalendarWarning> warnings)
    {
        var line = window.Line;
        if (window.Applications.Count == 0 && window.Namespaces.Count == 0 && window.Clusters.Count == 0)
        {
            warnings.Add(new CalendarWarning(reader.File, line, path, "no applications, namespaces or clusters: the window applies to no application"));
        }

        foreach (var field in new[] { "applications", "namespaces", "clusters" })
        {
            if (Child(map, field) is not YamlSequenceNode list)
            {
                continue;
            }

            for (var i = 0; i < list.Children.Count; i++)
            {
                var pattern = ((YamlScalarNode)list.Children[i]).Value ?? "";
                if (pattern != "*" && !ArgoCdGlob.TryCompile(pattern, out _, out var error))
                {
                    warnings.Add(new CalendarWarning(reader.File, Yaml.Line(list.Children[i]), $"{path}.{field}[{i}]", $"'{pattern}' is not a valid glob ({error}): Argo CD matches nothing with it"));
                }
            }
        }

        var probe = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        if (window.Schedule.Next(probe) is null)
        {
            warnings.Add(new CalendarWarning(reader.File, Yaml.Line(Child(map, "schedule") ?? map), $"{path}.schedule",
                $"'{window.Schedule.Expression}' never fires; Argo CD treats such a window as always active"));
        }

        if (window.Duration <= TimeSpan.Zero)
        {
            warnings.Add(new CalendarWarning(reader.File, Yaml.Line(Child(map, "duration") ?? map), $"{path}.duration",
                $"'{window.DurationText}' is not positive: the window is never active"));
        }
    }

    private static YamlNode? Child(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}

public enum SyncTrigger
{
    /// <summary>The Argo CD controller's automated sync.</summary>
    Automated,

    /// <summary>A sync started by a person (UI, CLI, API).</summary>
    Manual,
}

/// <summary>Which of Argo CD's rules decided.</summary>
public enum SyncRule
{
    /// <summary>The project has no sync windows: allowed.</summary>
    NoWindows,

    /// <summary>No window applies to the application: allowed.</summary>
    NoMatchingWindows,

    /// <summary>A matching deny window is active: blocked (deny beats allow).</summary>
    ActiveDeny,

    /// <summary>Active deny windows, but every one has <c>manualSync</c> and the sync is manual: allowed.</summary>
    ActiveDenyManualSync,

    /// <summary>Active deny windows, all with <c>syncOverrun</c>, and the running sync started when it was allowed: allowed.</summary>
    ActiveDenyOverrun,

    /// <summary>A matching allow window is active and no deny window is: allowed.</summary>
    ActiveAllow,

    /// <summary>Allow windows apply to the application but none is active: blocked.</summary>
    OutsideAllowWindows,

    /// <summary>Outside every allow window, but all of them have <c>manualSync</c> and the sync is manual: allowed.</summary>
    OutsideAllowWindowsManualSync,

    /// <summary>Outside every allow window, all with <c>syncOverrun</c>, and the running sync started when it was allowed: allowed.</summary>
    OutsideAllowWindowsOverrun,

    /// <summary>Only deny windows apply and none is active: allowed.</summary>
    NoActiveWindows,
}

/// <summary>Argo CD's answer for one application at one instant.</summary>
/// <param name="Allowed">Whether Argo CD would sync.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="Deciding">The windows that decided (the active denies, the active allows, or the inactive allows).</param>
/// <param name="Matching">Every window that applies to the application.</param>
/// <param name="Active">The matching windows active at that instant.</param>
public sealed record SyncWindowDecision(bool Allowed, SyncRule Rule, IReadOnlyList<SyncWindow> Deciding, IReadOnlyList<SyncWindow> Matching, IReadOnlyList<SyncWindow> Active)
{
    /// <summary>One sentence, e.g. <c>blocked: deny window #1 "0 22 * * *" for 1h UTC is active</c>.</summary>
    public string Explain()
    {
        var windows = string.Join("; ", Deciding.Select(w => w.ToString()));
        return Rule switch
        {
            SyncRule.NoWindows => "allowed: the project has no sync windows",
            SyncRule.NoMatchingWindows => "allowed: no sync window applies to the application",
            SyncRule.ActiveDeny => $"blocked: active deny window{Plural} {windows}",
            SyncRule.ActiveDenyManualSync => $"allowed (manual sync): active deny window{Plural} {windows} allow manual syncs",
            SyncRule.ActiveDenyOverrun => $"allowed (sync overrun): active deny window{Plural} {windows} let the running sync finish",
            SyncRule.ActiveAllow => $"allowed: active allow window{Plural} {windows}",
            SyncRule.OutsideAllowWindows => $"blocked: outside every allow window ({windows})",
            SyncRule.OutsideAllowWindowsManualSync => $"allowed (manual sync): outside the allow windows, which allow manual syncs ({windows})",
            SyncRule.OutsideAllowWindowsOverrun => $"allowed (sync overrun): outside the allow windows, which let the running sync finish ({windows})",
            SyncRule.NoActiveWindows => "allowed: no deny window is active",
            _ => Rule.ToString(),
        };
    }

    private string Plural => Deciding.Count == 1 ? "" : "s";
}
