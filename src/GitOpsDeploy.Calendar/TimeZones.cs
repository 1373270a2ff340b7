namespace GitOpsDeploy.Calendar;

/// <summary>Time zone look-up with Go's <c>time.LoadLocation</c> rules for the names Argo CD accepts.</summary>
internal static class TimeZones
{
    /// <summary>
    /// "" and "UTC" are UTC (as in Go); other names must be IANA names known to the system's tz database.
    /// "Local" (the Argo CD controller's own zone in Go) is refused: it depends on the controller's machine.
    /// </summary>
    public static bool TryFind(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (name is "" or "UTC")
        {
            zone = TimeZoneInfo.Utc;
            return true;
        }

        // Go refuses names that could escape the zoneinfo directory; so do we.
        if (name == "Local" || name.StartsWith('/') || name.Contains("..", StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var found = TimeZoneInfo.FindSystemTimeZoneById(name);
            if (!found.HasIanaId || !string.Equals(found.Id, name, StringComparison.Ordinal))
            {
                return false;
            }

            zone = found;
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
