using System.Globalization;
using System.Text.RegularExpressions;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Requests;

/// <summary>
/// When deploys may happen: <c>Mon-Fri 09:00-17:00 Europe/London; Sat 10:00-12:00 UTC</c>. Days are
/// ranges or lists of Mon..Sun (or <c>daily</c>), times are local to the IANA zone of each window.
/// </summary>
public sealed partial class DeployWindow
{
    private static readonly string[] DayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    private readonly List<Window> windows;

    private DeployWindow(List<Window> windows) => this.windows = windows;

    public static DeployWindow Parse(string text, string input = "deploy-window")
    {
        var windows = new List<Window>();
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Pattern().Match(part);
            if (!match.Success)
            {
                throw DeployException.Input(input, $"'{part}' is not 'Mon-Fri 09:00-17:00 Europe/London'");
            }

            TimeZoneInfo zone;
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(match.Groups["zone"].Value);
            }
            catch (TimeZoneNotFoundException)
            {
                throw DeployException.Input(input, $"'{match.Groups["zone"].Value}' is not an IANA time zone (e.g. Europe/London, America/New_York, UTC)");
            }

            var from = TimeOnly.ParseExact(match.Groups["from"].Value, "HH:mm", CultureInfo.InvariantCulture);
            var to = TimeOnly.ParseExact(match.Groups["to"].Value, "HH:mm", CultureInfo.InvariantCulture);
            if (to <= from)
            {
                throw DeployException.Input(input, $"'{part}': the window must end after it starts (windows across midnight: write two)");
            }

            windows.Add(new Window(Days(match.Groups["days"].Value, part, input), from, to, zone, part));
        }

        return windows.Count > 0 ? new DeployWindow(windows) : throw DeployException.Input(input, "no window given");
    }

    public bool IsOpen(DateTimeOffset now) => windows.Any(w => w.Contains(now));

    /// <summary>The next moment a window opens (within two weeks), in that window's zone.</summary>
    public DateTimeOffset? NextOpening(DateTimeOffset now)
    {
        DateTimeOffset? best = null;
        foreach (var window in windows)
        {
            var local = TimeZoneInfo.ConvertTime(now, window.Zone);
            for (var day = 0; day <= 14; day++)
            {
                var date = DateOnly.FromDateTime(local.DateTime).AddDays(day);
                if (!window.Days.Contains(date.DayOfWeek))
                {
                    continue;
                }

                var start = date.ToDateTime(window.From);
                var opening = new DateTimeOffset(start, window.Zone.GetUtcOffset(start));
                if (opening > now && (best is null || opening < best))
                {
                    best = TimeZoneInfo.ConvertTime(opening, window.Zone);
                }
            }
        }

        return best;
    }

    public override string ToString() => string.Join("; ", windows.Select(w => w.Text));

    private static HashSet<DayOfWeek> Days(string text, string part, string input)
    {
        if (text.Equals("daily", StringComparison.OrdinalIgnoreCase) || text == "*")
        {
            return [.. Enum.GetValues<DayOfWeek>()];
        }

        var days = new HashSet<DayOfWeek>();
        foreach (var item in text.Split(','))
        {
            var range = item.Split('-');
            var first = Day(range[0], part, input);
            var last = range.Length > 1 ? Day(range[1], part, input) : first;
            for (var d = first; ; d = (DayOfWeek)(((int)d + 1) % 7))
            {
                days.Add(d);
                if (d == last)
                {
                    break;
                }
            }
        }

        return days;
    }

    private static DayOfWeek Day(string name, string part, string input)
    {
        var index = Array.FindIndex(DayNames, d => d.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));
        return index >= 0 ? (DayOfWeek)index : throw DeployException.Input(input, $"'{part}': '{name}' is not a day (Mon, Tue, ... Sun)");
    }

    [GeneratedRegex(@"^(?<days>[A-Za-z*,-]+)\s+(?<from>\d{2}:\d{2})-(?<to>\d{2}:\d{2})\s+(?<zone>\S+)$")]
    private static partial Regex Pattern();

    private sealed record Window(HashSet<DayOfWeek> Days, TimeOnly From, TimeOnly To, TimeZoneInfo Zone, string Text)
    {
        public bool Contains(DateTimeOffset now)
        {
            var local = TimeZoneInfo.ConvertTime(now, Zone);
            var time = TimeOnly.FromDateTime(local.DateTime);
            return Days.Contains(local.DayOfWeek) && time >= From && time < To;
        }
    }
}
