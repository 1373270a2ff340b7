using System.Globalization;

namespace GitOpsDeploy.Calendar;

public enum SyncWindowKind
{
    Allow,
    Deny,
}

/// <summary>The Argo CD Application a decision is about: its name and <c>spec.destination</c>.</summary>
/// <param name="Name">Application name (<c>metadata.name</c>).</param>
/// <param name="DestinationNamespace"><c>spec.destination.namespace</c>.</param>
/// <param name="DestinationServer"><c>spec.destination.server</c>, e.g. <c>https://kubernetes.default.svc</c>.</param>
/// <param name="DestinationName"><c>spec.destination.name</c>, e.g. <c>in-cluster</c>.</param>
public sealed record ArgoCdApplication(string Name, string DestinationNamespace = "", string DestinationServer = "", string DestinationName = "");

/// <summary>
/// One entry of an <c>AppProject</c>'s <c>spec.syncWindows</c>, evaluated exactly as Argo CD does (see the README
/// next to this project for the rules and the Argo CD version they were read from).
/// </summary>
public sealed class SyncWindow
{
    private readonly ArgoCdGlob?[] applicationGlobs;
    private readonly ArgoCdGlob?[] namespaceGlobs;
    private readonly ArgoCdGlob?[] clusterGlobs;
    private readonly Lock runLock = new();

    // The last run of overlapping occurrences found on the shifted clock: active throughout (From, End).
    private (long From, long End) lastRun = (long.MaxValue, long.MinValue);

    internal SyncWindow(
        int index,
        SyncWindowKind kind,
        CronSchedule schedule,
        string durationText,
        TimeSpan duration,
        string timeZoneName,
        TimeZoneInfo timeZone,
        IReadOnlyList<string> applications,
        IReadOnlyList<string> namespaces,
        IReadOnlyList<string> clusters,
        bool manualSync,
        bool useAndOperator,
        bool syncOverrun,
        string description,
        string file,
        int line)
    {
        Index = index;
        Kind = kind;
        Schedule = schedule;
        DurationText = durationText;
        Duration = duration;
        TimeZoneName = timeZoneName;
        TimeZone = timeZone;
        Applications = applications;
        Namespaces = namespaces;
        Clusters = clusters;
        ManualSync = manualSync;
        UseAndOperator = useAndOperator;
        SyncOverrun = syncOverrun;
        Description = description;
        File = file;
        Line = line;
        applicationGlobs = [.. applications.Select(Compile)];
        namespaceGlobs = [.. namespaces.Select(Compile)];
        clusterGlobs = [.. clusters.Select(Compile)];
    }

    /// <summary>Position in <c>spec.syncWindows</c> (Argo CD's window id in <c>argocd proj windows list</c>).</summary>
    public int Index { get; }

    public SyncWindowKind Kind { get; }

    public CronSchedule Schedule { get; }

    /// <summary>The duration as written (Go syntax, e.g. <c>1h30m</c>).</summary>
    public string DurationText { get; }

    public TimeSpan Duration { get; }

    /// <summary>The <c>timeZone</c> as written, <c>UTC</c> when absent or empty.</summary>
    public string TimeZoneName { get; }

    public TimeZoneInfo TimeZone { get; }

    public IReadOnlyList<string> Applications { get; }

    public IReadOnlyList<string> Namespaces { get; }

    public IReadOnlyList<string> Clusters { get; }

    public bool ManualSync { get; }

    /// <summary><c>andOperator</c>: every selector that is set must match (instead of any).</summary>
    public bool UseAndOperator { get; }

    public bool SyncOverrun { get; }

    public string Description { get; }

    public string File { get; }

    public int Line { get; }

    /// <summary>
    /// Builds a window from its fields, with the same checks as reading an <c>AppProject</c> (strict time zones).
    /// </summary>
    /// <exception cref="ArgumentException">A field Argo CD would refuse.</exception>
    public static SyncWindow Create(
        SyncWindowKind kind,
        string schedule,
        string duration,
        string? timeZone = null,
        IEnumerable<string>? applications = null,
        IEnumerable<string>? namespaces = null,
        IEnumerable<string>? clusters = null,
        bool manualSync = false,
        bool useAndOperator = false,
        bool syncOverrun = false,
        string description = "",
        int index = 0)
    {
        if (!CronSchedule.TryParse(schedule, out var cron, out var cronError))
        {
            throw new ArgumentException($"cannot parse schedule '{schedule}': {cronError}", nameof(schedule));
        }

        if (!GoDuration.TryParse(duration, out var span, out var durationError))
        {
            throw new ArgumentException($"cannot parse duration '{duration}': {durationError}", nameof(duration));
        }

        var zoneName = string.IsNullOrEmpty(timeZone) ? "UTC" : timeZone;
        if (!TimeZones.TryFind(zoneName, out var zone))
        {
            throw new ArgumentException($"'{timeZone}' is not an IANA time zone", nameof(timeZone));
        }

        return new SyncWindow(
            index, kind, cron, duration, span, zoneName, zone,
            [.. applications ?? []], [.. namespaces ?? []], [.. clusters ?? []],
            manualSync, useAndOperator, syncOverrun, description, "<code>", 0);
    }

    /// <summary>
    /// Argo CD's <c>SyncWindows.Matches</c> for one window. By default (OR) the window applies when any
    /// application, cluster (destination name or server) or namespace pattern matches; with <see cref="UseAndOperator"/>
    /// every list that is set must match. A window with no list set applies to nothing.
    /// </summary>
    public bool Matches(ArgoCdApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var matched = false;
        var isSet = false;
        if (Applications.Count > 0)
        {
            isSet = true;
            matched = applicationGlobs.Select((g, i) => GlobMatch(g, Applications[i], app.Name)).Any(m => m);
        }

        if (UseAndOperator && isSet && !matched)
        {
            return false;
        }

        if (!UseAndOperator && matched)
        {
            return true;
        }

        if (Clusters.Count > 0)
        {
            isSet = true;
            matched = clusterGlobs.Select((g, i) =>
                (app.DestinationName.Length > 0 && GlobMatch(g, Clusters[i], app.DestinationName))
                || (app.DestinationServer.Length > 0 && GlobMatch(g, Clusters[i], app.DestinationServer))).Any(m => m);
        }

        if (UseAndOperator && isSet && !matched)
        {
            return false;
        }

        if (!UseAndOperator && matched)
        {
            return true;
        }

        if (Namespaces.Count > 0)
        {
            matched = namespaceGlobs.Select((g, i) => GlobMatch(g, Namespaces[i], app.DestinationNamespace)).Any(m => m);
        }

        return matched;
    }

    /// <summary>
    /// Whether the window is active at <paramref name="at"/>, as Argo CD's <c>SyncWindow.Active()</c> answers when
    /// its clock reads <paramref name="at"/>: the wall clock <c>w = at + offset(timeZone, at)</c>, read as UTC, lies
    /// strictly inside <c>(s, s + duration)</c> for some occurrence <c>s</c> of the schedule.
    /// </summary>
    public bool IsActive(DateTimeOffset at) => IsActive(at, at);

    /// <summary>
    /// Argo CD's activity test at <paramref name="at"/> with the zone offset taken at <paramref name="clock"/>
    /// (Argo CD always takes the offset of <c>time.Now()</c>, which matters when it checks an earlier instant for sync overrun).
    /// </summary>
    internal bool IsActive(DateTimeOffset at, DateTimeOffset clock)
    {
        var shifted = at.UtcTicks + GoTime.OffsetTicks(TimeZone, clock.UtcTicks);
        var next = Schedule.Next(new GoTime(shifted - Duration.Ticks, TimeZoneInfo.Utc));

        // robfig's zero time ("no occurrence within five years") is before everything: Argo CD counts the window active.
        return next is null || next.Value.UtcTicks < shifted;
    }

    /// <summary>
    /// The first instant after <paramref name="after"/> (and not after <paramref name="limit"/>) at which this window's
    /// activity may change: a start or end of an occurrence on the shifted clock, or a change of the zone's offset.
    /// Between two consecutive such instants the window is either active throughout or inactive throughout.
    /// Null when nothing changes up to <paramref name="limit"/>.
    /// </summary>
    public DateTimeOffset? NextChange(DateTimeOffset after, DateTimeOffset limit)
    {
        var a = after.UtcTicks;
        var end = limit.UtcTicks;
        if (end <= a)
        {
            return null;
        }

        var offset = GoTime.OffsetTicks(TimeZone, a);
        var shifted = a + offset;
        var shiftedLimit = end + offset;
        var d = Duration.Ticks;
        long? candidate = null;
        var covering = Schedule.Next(new GoTime(shifted - d, TimeZoneInfo.Utc));
        var nextStart = Schedule.Next(new GoTime(shifted, TimeZoneInfo.Utc));

        if (covering is { } c && c.UtcTicks < shifted && d > 0)
        {
            // Active now: skip over overlapping occurrences to the end of the whole run (remembered: a sweep asks
            // again and again from inside the same run, e.g. an every-minute window).
            (long From, long End) known;
            lock (runLock)
            {
                known = lastRun;
            }

            var runEnd = known.From <= shifted && shifted < known.End ? known.End : c.UtcTicks + d;
            while (runEnd < shiftedLimit && Schedule.Next(new GoTime(runEnd - d, TimeZoneInfo.Utc)) is { } following && following.UtcTicks < runEnd)
            {
                runEnd = following.UtcTicks + d;
            }

            lock (runLock)
            {
                lastRun = (Math.Min(shifted, known.From <= shifted && shifted < known.End ? known.From : shifted), runEnd);
            }

            candidate = runEnd;
        }
        else
        {
            if (nextStart is { } s)
            {
                candidate = s.UtcTicks;
            }

            if (covering is { } e && (candidate is null || e.UtcTicks + d < candidate))
            {
                candidate = e.UtcTicks + d;
            }
        }

        if (covering is null || nextStart is null)
        {
            // robfig's five-year horizon moves with the calendar year of its argument; so may the "zero time" answer.
            var yearEdges = new[] { NextYearEdge(shifted), NextYearEdge(shifted - d) + d };
            foreach (var edge in yearEdges.Where(e => e > shifted))
            {
                candidate = candidate is null ? edge : Math.Min(candidate.Value, edge);
            }
        }

        long? real = candidate is { } shiftedCandidate ? shiftedCandidate - offset : null;
        var transition = ZoneTransitions.NextAfter(TimeZone, a, Math.Min(real ?? end, end));
        if (transition is { } t && (real is null || t < real))
        {
            real = t;
        }

        if (real is null || real > end)
        {
            return null;
        }

        return new DateTimeOffset(Math.Max(real.Value, a + 1), TimeSpan.Zero);
    }

    /// <summary>The periods in [<paramref name="from"/>, <paramref name="to"/>) during which the window is active (open at both ends, as in Argo CD).</summary>
    public IReadOnlyList<ActivePeriod> ActivePeriods(DateTimeOffset from, DateTimeOffset to)
    {
        var periods = new List<ActivePeriod>();
        DateTimeOffset? start = IsActive(from) ? from : null;
        var cur = from;
        while (cur < to)
        {
            var next = NextChange(cur, to);
            var stop = next ?? to;
            var inside = stop.UtcTicks - cur.UtcTicks >= 2
                ? IsActive(new DateTimeOffset(cur.UtcTicks + ((stop.UtcTicks - cur.UtcTicks) / 2), TimeSpan.Zero))
                : start is not null;
            if (inside && start is null)
            {
                start = cur;
            }
            else if (!inside && start is not null)
            {
                periods.Add(new ActivePeriod(start.Value, cur));
                start = null;
            }

            if (next is null)
            {
                break;
            }

            cur = next.Value;
        }

        if (start is not null)
        {
            periods.Add(new ActivePeriod(start.Value, to));
        }

        return periods;
    }

    /// <summary>
    /// When the window, active at <paramref name="at"/>, stops being active (searching up to <paramref name="limit"/>);
    /// null when it is not active or stays active past the limit.
    /// </summary>
    public DateTimeOffset? ActiveUntil(DateTimeOffset at, DateTimeOffset limit)
    {
        if (!IsActive(at))
        {
            return null;
        }

        var periods = ActivePeriods(at, limit);
        return periods.Count > 0 && periods[0].End < limit ? periods[0].End : null;
    }

    /// <summary><c>deny #2 "0 22 * * *" for 1h Europe/Berlin (Christmas)</c>.</summary>
    public override string ToString()
    {
        var description = Description.Length > 0 ? $" ({Description})" : "";
        return string.Create(CultureInfo.InvariantCulture, $"{(Kind == SyncWindowKind.Allow ? "allow" : "deny")} #{Index} \"{Schedule.Expression}\" for {DurationText} {TimeZoneName}{description}");
    }

    private static long NextYearEdge(long shiftedTicks)
    {
        var year = new DateTime(Math.Clamp(shiftedTicks + TimeSpan.TicksPerSecond, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks - TimeSpan.TicksPerDay * 366)).Year;
        return new DateTime(year + 1, 1, 1).Ticks - TimeSpan.TicksPerSecond;
    }

    private static ArgoCdGlob? Compile(string pattern) => ArgoCdGlob.TryCompile(pattern, out var glob, out _) ? glob : null;

    private static bool GlobMatch(ArgoCdGlob? glob, string pattern, string value) => pattern == "*" || (glob?.IsMatch(value) ?? false);
}

/// <summary>A period during which a window is active: every instant strictly between <paramref name="Start"/> and <paramref name="End"/>.</summary>
public readonly record struct ActivePeriod(DateTimeOffset Start, DateTimeOffset End);
