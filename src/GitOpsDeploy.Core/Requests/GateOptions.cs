namespace GitOpsDeploy.Core.Requests;

/// <summary>
/// The freeze calendar of a run (sync-windows, freeze-file, override-freeze): where in the gitops repository the
/// Argo CD AppProject and the stop-the-line file are, which Argo CD application each environment is, and the
/// reason given to deploy through a freeze. Read at the commit each attempt plans on.
/// </summary>
public sealed record GateOptions
{
    public const string DefaultFreezeFile = ".gitops-deploy/freeze.yaml";

    public static GateOptions None { get; } = new();

    /// <summary>sync-windows, per environment (<c>{{ environment }}</c> filled in): a file or folder in the gitops repository; empty when not asked.</summary>
    public IReadOnlyDictionary<string, string> SyncWindows { get; init; } = new Dictionary<string, string>();

    /// <summary>The AppProject to read when the file or folder holds several (<c>PATH#PROJECT</c>); null: the Application's spec.project, or the only one.</summary>
    public string? Project { get; init; }

    /// <summary>freeze-file: the stop-the-line file; a missing file freezes nothing.</summary>
    public string FreezeFile { get; init; } = DefaultFreezeFile;

    /// <summary>override-freeze: the reason to deploy despite a freeze or a closed sync window (honoured in an approved production job only).</summary>
    public string? OverrideReason { get; init; }

    /// <summary>Each environment's Argo CD application name (argocd-application, default &lt;app&gt;-&lt;environment&gt;), which the sync windows match.</summary>
    public IReadOnlyDictionary<string, string> Applications { get; init; } = new Dictionary<string, string>();
}
