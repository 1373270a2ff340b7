namespace GitOpsDeploy.Calendar;

/// <summary>
/// A calendar file (an Argo CD <c>AppProject</c> or the freeze file) that cannot be read. The message always starts
/// with <c>file:line</c> and names the field, e.g. <c>argocd/project.yaml:14: syncWindows[2].duration: '1d' is not a Go duration</c>.
/// </summary>
public sealed class CalendarParseException : Exception
{
    public CalendarParseException(string file, int line, string field, string problem, Exception? inner = null)
        : base($"{file}:{line}: {(field.Length > 0 ? field + ": " : "")}{problem}", inner)
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    public CalendarParseException()
        : this("<unknown>", 0, "", "unreadable calendar file")
    {
    }

    public CalendarParseException(string message)
        : this("<unknown>", 0, "", message)
    {
    }

    public CalendarParseException(string message, Exception innerException)
        : this("<unknown>", 0, "", message, innerException)
    {
    }

    /// <summary>The file name as given to the parser (a path in the gitops repository).</summary>
    public string File { get; }

    /// <summary>1-based line of the offending node.</summary>
    public int Line { get; }

    /// <summary>The field path, e.g. <c>spec.syncWindows[2].timeZone</c> or <c>freezes[0].until</c>; empty for a YAML syntax error.</summary>
    public string Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Problem { get; }
}

/// <summary>A non-fatal finding while reading a calendar file (Argo CD would accept it, but it is probably a mistake).</summary>
/// <param name="File">The file name as given to the parser.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Field">The field path.</param>
/// <param name="Message">What is suspicious and what Argo CD does with it.</param>
public sealed record CalendarWarning(string File, int Line, string Field, string Message)
{
    public override string ToString() => $"{File}:{Line}: {Field}: {Message}";
}
