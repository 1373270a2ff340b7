namespace GitOpsDeploy.Core.Requests;

/// <summary>Argo CD settings of a run; <see cref="Application"/> defaults to <c>&lt;app&gt;-&lt;environment&gt;</c>.</summary>
public sealed record ArgoCdOptions(string Server, string? Token, string Application, TimeSpan Timeout, bool Insecure)
{
    public TimeSpan PollInterval => TimeSpan.FromSeconds(Math.Clamp(Timeout.TotalSeconds / 60, 1, 10));
}
