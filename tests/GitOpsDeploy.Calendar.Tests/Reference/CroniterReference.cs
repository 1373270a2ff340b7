using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GitOpsDeploy.Calendar.Tests.Reference;

/// <summary>
/// Runs Reference/croniter_reference.py (Debian's python3-croniter and python3-dateutil) in batch mode. Tests that
/// use it call <see cref="Require"/> first, which skips them visibly when the packages are not installed
/// (tests/GitOpsDeploy.Calendar.Tests/install.sh installs them).
/// </summary>
internal static class CroniterReference
{
    private static readonly Lazy<string?> Missing = new(Probe);

    private static string Python => Environment.GetEnvironmentVariable("CALENDAR_PYTHON") ?? "/usr/bin/python3";

    private static string Script => Path.Combine(AppContext.BaseDirectory, "Reference", "croniter_reference.py");

    public static void Require() =>
        Skip.If(Missing.Value is not null, $"croniter reference unavailable ({Missing.Value}); run tests/GitOpsDeploy.Calendar.Tests/install.sh");

    /// <summary>croniter's occurrences in a zone (UTC instants), or on a bare wall clock when <paramref name="zone"/> is "naive".</summary>
    public static List<DateTime> Occurrences(string cron, string zone, DateTime start, int count, bool previous = false) =>
        Batch([OccurrencesRequest(cron, zone, start, count, previous)])[0]!.AsArray().Select(n => ParseInstant(n!.GetValue<string>(), zone == "naive")).ToList();

    public static JsonObject OccurrencesRequest(string cron, string zone, DateTime start, int count, bool previous = false) => new()
    {
        ["op"] = "occurrences",
        ["cron"] = cron,
        ["zone"] = zone,
        ["start"] = zone == "naive" ? start.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) : Iso(start),
        ["count"] = count,
        ["direction"] = previous ? "prev" : "next",
    };

    /// <summary>Argo CD's activity rule, computed independently in Python, at each instant.</summary>
    public static List<bool> Active(string cron, string zone, TimeSpan duration, IReadOnlyList<DateTime> instants) =>
        Batch([ActiveRequest(cron, zone, duration, instants)])[0]!.AsArray().Select(n => n!.GetValue<bool>()).ToList();

    public static JsonObject ActiveRequest(string cron, string zone, TimeSpan duration, IReadOnlyList<DateTime> instants) => new()
    {
        ["op"] = "active",
        ["cron"] = cron,
        ["zone"] = zone,
        ["duration"] = (long)duration.TotalSeconds,
        ["instants"] = new JsonArray([.. instants.Select(i => JsonValue.Create(Iso(i)))]),
    };

    /// <summary>Sends every request to one Python process; returns each answer's result (throws on a reference error).</summary>
    public static List<JsonNode?> Batch(IReadOnlyList<JsonObject> requests)
    {
        Require();
        var input = new StringBuilder();
        foreach (var request in requests)
        {
            input.Append(request.ToJsonString()).Append('\n');
        }

        var (code, stdout, stderr) = Run(["--batch"], input.ToString());
        Assert.True(code == 0, $"croniter_reference.py exited {code}: {stderr}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(requests.Count, lines.Length);
        var results = new List<JsonNode?>();
        for (var i = 0; i < lines.Length; i++)
        {
            var answer = JsonNode.Parse(lines[i])!.AsObject();
            Assert.True(answer["ok"]!.GetValue<bool>(), $"reference failed for {requests[i].ToJsonString()}: {answer["error"]}");
            results.Add(answer["result"]);
        }

        return results;
    }

    public static string Iso(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTime ParseInstant(string text, bool naive) => naive
        ? DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None)
        : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).UtcDateTime;

    private static string? Probe()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found";
        }

        try
        {
            var (code, _, stderr) = Run(["-c", "import croniter, dateutil"], null, script: false);
            return code == 0 ? null : $"python3-croniter/python3-dateutil not importable: {stderr.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string[] args, string? stdin, bool script = true)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (script)
        {
            start.ArgumentList.Add(Script);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // A pyenv or virtualenv python must not leak in: the point is Debian's packages.
        start.Environment.Remove("PYTHONPATH");
        start.Environment.Remove("PYTHONHOME");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }

        process.StandardInput.Close();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
