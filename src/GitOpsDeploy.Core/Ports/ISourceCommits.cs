namespace GitOpsDeploy.Core.Ports;

/// <summary>Where our source commit stands against another one of the same repository.</summary>
public enum SourceOrder
{
    /// <summary>Ours descends from theirs.</summary>
    Newer,

    /// <summary>Ours is an ancestor of theirs: deploying it would go back in time.</summary>
    Older,

    Same,

    /// <summary>Neither descends from the other (different branches).</summary>
    Diverged,

    /// <summary>The comparison could not be made (no access, unknown commit).</summary>
    Unknown,
}

/// <summary>The source (application) repository's commit graph.</summary>
public interface ISourceCommits
{
    /// <summary>How <paramref name="ours"/> relates to <paramref name="theirs"/>; <see cref="SourceOrder.Unknown"/> (with the reason) instead of failing.</summary>
    Task<(SourceOrder Order, string? Reason)> CompareAsync(string ours, string theirs, CancellationToken cancellationToken);
}
