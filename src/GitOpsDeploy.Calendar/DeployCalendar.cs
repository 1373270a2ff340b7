using System.Globalization;
using System.Text;

namespace GitOpsDeploy.Calendar;

/// <summary>One thing that can hold a deploy back at a given instant (a freeze file, Argo CD's sync windows...).</summary>
public interface IDeployGate
{
    /// <summary>Short name for messages, e.g. <c>freeze</c> or <c>argocd sync windows</c>.</summary>
    string Name { get; }

    GateVerdict Evaluate(DateTimeOffset at);

    /// <summary>
    /// The first instant after <paramref name="after"/>, up to <paramref name="limit"/>, at which the verdict may change;
    /// the verdict is the same at every instant strictly between two consecutive such instants. Null: no change up to the limit.
    /// </summary>
    DateTimeOffset? NextChange(DateTimeOffset after, DateTimeOffset limit);
}

/// <summary>A gate's answer at one instant.</summary>
/// <param name="Gate">The gate's name.</param>
/// <param name="Allowed">Whether this gate lets the deploy through.</param>
/// <param name="Summary">One sentence for logs and statuses.</param>
public sealed record GateVerdict(string Gate, bool Allowed, string Summary);

/// <summary>The freezes of one environment as a gate.</summary>
public sealed class FreezeGate(FreezeFile file, string environment) : IDeployGate
{
    public string Name => "freeze";

    public FreezeStatus Status(DateTimeOffset at) => file.Check(environment, at);

    public GateVerdict Evaluate(DateTimeOffset at)
    {
        var status = Status(at);
        if (!status.Frozen)
        {
            return new GateVerdict(Name, true, $"'{environment}' is not frozen");
        }

        var who = string.Join("; ", status.Freezes.Select(f => $"{f.By}: {f.Reason}"));
        return new GateVerdict(Name, false, $"'{environment}' frozen by {who}");
    }

    public DateTimeOffset? NextChange(DateTimeOffset after, DateTimeOffset limit) =>
        file.NextChange(environment, after) is { } next && next <= limit ? next : null;
}

/// <summary>An Argo CD project's sync windows for one application as a gate.</summary>
public sealed class ArgoCdSyncWindowGate(ArgoCdProject project, ArgoCdApplication app, SyncTrigger trigger = SyncTrigger.Automated) : IDeployGate
{
    public string Name => "argocd sync windows";

    public SyncWindowDecision Decide(DateTimeOffset at) => project.CanSync(app, at, trigger);

    public GateVerdict Evaluate(DateTimeOffset at)
    {
        var decision = Decide(at);
        var which = project.Name.Length > 0 ? $"project '{project.Name}'" : "the project";
        return new GateVerdict(Name, decision.Allowed, $"Argo CD {which}, application '{app.Name}': {decision.Explain()}");
    }

    public DateTimeOffset? NextChange(DateTimeOffset after, DateTimeOffset limit) =>
        project.SyncWindows.Where(w => w.Matches(app)).Select(w => w.NextChange(after, limit)).Where(t => t is not null).Min();
}

/// <summary>Combines gates: allowed now, or blocked with the reasons and the earliest instant at which every gate allows.</summary>
public static class DeployCalendar
{
    /// <summary>How far ahead <see cref="Check"/> looks for the end of a block by default.</summary>
    public static readonly TimeSpan DefaultHorizon = TimeSpan.FromDays(366);

    /// <summary>
    /// Asks every gate about <paramref name="at"/>; when one blocks, searches forward (up to <paramref name="horizon"/>,
    /// one year by default) for the first instant from which all of them allow.
    /// </summary>
    public static CalendarAnswer Check(DateTimeOffset at, IEnumerable<IDeployGate> gates, TimeSpan? horizon = null)
    {
        ArgumentNullException.ThrowIfNull(gates);
        var all = gates.ToList();
        var limit = at + (horizon ?? DefaultHorizon);
        var verdicts = all.Select(g => g.Evaluate(at)).ToList();
        if (verdicts.TrueForAll(v => v.Allowed))
        {
            return new CalendarAnswer(at, true, verdicts, [], at, limit);
        }

        var reasons = all.Zip(verdicts)
            .Where(p => !p.Second.Allowed)
            .Select(p => new BlockReason(p.Second, AllowedFrom(at, [p.First], limit)))
            .ToList();
        return new CalendarAnswer(at, false, verdicts, reasons, AllowedFrom(at, all, limit), limit);
    }

    /// <summary>
    /// The earliest instant from <paramref name="from"/> on from which every gate allows, or null when that does not
    /// happen by <paramref name="limit"/>. When the opening is the start of an Argo CD allow window (which Argo CD
    /// counts as active only strictly after its start) the instant returned is that start. Openings that last a
    /// single instant (two windows that abut exactly) are not openings.
    /// </summary>
    public static DateTimeOffset? AllowedFrom(DateTimeOffset from, IReadOnlyCollection<IDeployGate> gates, DateTimeOffset limit)
    {
        ArgumentNullException.ThrowIfNull(gates);
        bool AllAllow(DateTimeOffset t) => gates.All(g => g.Evaluate(t).Allowed);

        if (AllAllow(from))
        {
            return from;
        }

        var cur = from;
        while (cur < limit)
        {
            var next = gates.Select(g => g.NextChange(cur, limit)).Where(t => t is not null).Min();
            var stop = next ?? limit;
            var span = stop.UtcTicks - cur.UtcTicks;
            if (span >= 2 && AllAllow(cur.AddTicks(span / 2)))
            {
                return cur;
            }

            if (next is null)
            {
                return null;
            }

            cur = next.Value;
        }

        return null;
    }
}

/// <summary>Why a deploy is blocked by one gate, and until when that gate alone blocks it (null: beyond the horizon).</summary>
public sealed record BlockReason(GateVerdict Verdict, DateTimeOffset? Until);

/// <summary>The combined answer: allowed, or blocked with reasons and "blocked until".</summary>
/// <param name="At">The instant asked about.</param>
/// <param name="Allowed">Every gate allows.</param>
/// <param name="Verdicts">Every gate's verdict, in the order the gates were given.</param>
/// <param name="Reasons">The blocking gates, each with its own end.</param>
/// <param name="BlockedUntil">When every gate allows (equal to <paramref name="At"/> when allowed); null when not before <paramref name="HorizonEnd"/>.</param>
/// <param name="HorizonEnd">How far the search looked.</param>
public sealed record CalendarAnswer(DateTimeOffset At, bool Allowed, IReadOnlyList<GateVerdict> Verdicts, IReadOnlyList<BlockReason> Reasons, DateTimeOffset? BlockedUntil, DateTimeOffset HorizonEnd)
{
    /// <summary>GitHub caps a deployment status description at 140 characters.</summary>
    public const int DeploymentStatusLimit = 140;

    /// <summary>One line: <c>allowed</c> or <c>blocked until 2025-12-27T00:00:00Z: ...</c>.</summary>
    public string Summary => Allowed ? "allowed" : $"blocked {UntilText}: {string.Join("; ", Reasons.Select(r => r.Verdict.Summary))}";

    /// <summary>Several lines for the action's log.</summary>
    public string ToText()
    {
        var text = new StringBuilder();
        text.AppendLine(Allowed ? $"Deploy allowed at {Format(At)}." : $"Deploy blocked at {Format(At)}, {UntilText}.");
        foreach (var verdict in Verdicts)
        {
            var until = Reasons.FirstOrDefault(r => r.Verdict == verdict) is { } reason
                ? reason.Until is { } u ? $" (until {Format(u)})" : $" (beyond {Format(HorizonEnd)})"
                : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"  [{(verdict.Allowed ? "ok" : "blocked")}] {verdict.Gate}: {verdict.Summary}{until}");
        }

        return text.ToString();
    }

    /// <summary>For a GitHub deployment status: at most 140 characters, the "until" first so it survives the cut.</summary>
    public string ToDeploymentStatusDescription()
    {
        var text = Allowed ? "Deploy allowed" : $"Blocked {UntilText}: {string.Join("; ", Reasons.Select(r => r.Verdict.Summary))}";
        return text.Length <= DeploymentStatusLimit ? text : string.Concat(text.AsSpan(0, DeploymentStatusLimit - 1), "…");
    }

    private string UntilText => BlockedUntil is { } until ? $"until {Format(until)}" : $"beyond {Format(HorizonEnd)}";

    private static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
