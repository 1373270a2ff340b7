using GitOpsDeploy.Calendar;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GitOpsDeploy.Core.Planning;

/// <summary>
/// Why a plan was refused by the freeze calendar: each blocked environment's answer, so the deployment of each can
/// say "Blocked until ..." (carried as the inner exception of the refusal).
/// </summary>
internal sealed class CalendarBlock(IReadOnlyList<(TargetEdit Edit, CalendarAnswer Answer)> blocked)
    : Exception(string.Join("; ", blocked.Select(b => $"{b.Edit.Target.Environment}: {b.Answer.Summary}")))
{
    public IReadOnlyList<(TargetEdit Edit, CalendarAnswer Answer)> Blocked => blocked;

    /// <summary>The deployment status of a blocked environment (at most 140 characters, the "until" first); null when it is not blocked.</summary>
    public string? StatusFor(string environment) =>
        blocked.FirstOrDefault(b => b.Edit.Target.Environment == environment) is { Answer: { } answer } ? answer.ToDeploymentStatusDescription() : null;
}

/// <summary>What the freeze calendar says for one target, and what looked wrong in the files it read.</summary>
internal sealed record FreezeCheck(CalendarAnswer Answer, IReadOnlyList<string> Warnings);

/// <summary>
/// One freeze calendar, read from the gitops repository at the commit being planned on: the Argo CD AppProject's
/// sync windows (decided exactly as Argo CD decides an automated sync, for the target's Application as its manifest
/// describes it) and the stop-the-line freeze file. Pure: the caller passes the tree and the instant; a read the
/// snapshot has not loaded throws <see cref="Ports.SnapshotMissException"/> for the caller to load.
/// </summary>
internal static class FreezeCalendar
{
    public static FreezeCheck Check(IRepositoryTree tree, GateOptions gates, DeployTarget target, DateTimeOffset now)
    {
        var gateList = new List<IDeployGate>();
        var warnings = new List<string>();
        if (gates.SyncWindows.TryGetValue(target.Environment, out var path))
        {
            var application = gates.Applications.TryGetValue(target.Environment, out var name) ? name : target.Environment;
            gateList.Add(SyncWindowGate(tree, path, gates.Project, application, warnings));
        }

        gateList.Add(Freezes(tree, gates.FreezeFile).GateFor(target.Environment));
        return new FreezeCheck(DeployCalendar.Check(now, gateList), warnings);
    }

    /// <summary>The freeze file at <paramref name="path"/>; a missing file freezes nothing.</summary>
    public static FreezeFile Freezes(IRepositoryTree tree, string path) =>
        tree.KindOf(path) == TreeEntryKind.File ? Read(() => FreezeFile.Parse(tree.ReadText(path), path)) : FreezeFile.Empty;

    /// <summary>
    /// The sync windows that govern <paramref name="application"/>: its manifest (when the file or folder holds it) gives
    /// its project and destination; the project is the one named, the Application's, or the only one.
    /// </summary>
    public static ArgoCdSyncWindowGate SyncWindowGate(IRepositoryTree tree, string path, string? projectName, string application, ICollection<string>? warnings = null)
    {
        var files = tree.KindOf(path) switch
        {
            TreeEntryKind.File => [path],
            TreeEntryKind.Directory => tree.List(path)
                .Where(n => n.EndsWith(".yaml", StringComparison.Ordinal) || n.EndsWith(".yml", StringComparison.Ordinal))
                .Select(n => $"{path.TrimEnd('/')}/{n}")
                .Where(f => tree.KindOf(f) == TreeEntryKind.File)
                .Order(StringComparer.Ordinal)
                .ToList(),
            _ => throw DeployException.Input("sync-windows", $"'{path}' is not in the gitops repository (a file or folder holding the Argo CD AppProject)"),
        };

        var projects = new List<ArgoCdProject>();
        ApplicationManifest? manifest = null;
        foreach (var file in files)
        {
            var text = tree.ReadText(file);
            projects.AddRange(Read(() => ArgoCdProject.ParseAll(text, file)));
            manifest ??= FindApplication(text, file, application);
        }

        var wanted = projectName ?? manifest?.Project;
        var candidates = wanted is null ? projects : projects.Where(p => p.Name == wanted).ToList();
        var where = wanted is null ? "" : $" named '{wanted}'" + (projectName is null && manifest is not null ? $" (spec.project of {manifest.File}:{manifest.Line})" : "");
        var project = candidates.Count switch
        {
            1 => candidates[0],
            0 => throw DeployException.Input("sync-windows", $"no AppProject{where} in {path} (found: {(projects.Count == 0 ? "none" : string.Join(", ", projects.Select(p => p.Name)))})"),
            _ => throw DeployException.Input("sync-windows", $"{path} holds several AppProjects ({string.Join(", ", candidates.Select(p => p.Name))}): name one as {path}#PROJECT, or keep the Application manifest of {application} beside them"),
        };

        foreach (var warning in project.Warnings)
        {
            warnings?.Add(warning.ToString());
        }

        if (manifest is null && project.SyncWindows.FirstOrDefault(w => w.Namespaces.Count > 0 || w.Clusters.Count > 0) is { } window)
        {
            // Argo CD matches namespaces and clusters against the Application's destination: guessing it would decide wrongly.
            throw DeployException.File(new SourceLocation(window.File, window.Line, 1),
                $"sync window #{window.Index} matches namespaces or clusters, and there is no Application manifest named '{application}' in {path} to say where {application} deploys; keep it beside the AppProject (or set argocd-application to its name)");
        }

        var app = manifest is null ? new ArgoCdApplication(application) : new ArgoCdApplication(application, manifest.Namespace, manifest.Server, manifest.Cluster);
        return project.GateFor(app);
    }

    /// <summary>The Argo CD Application named <paramref name="name"/> in one YAML file: its project and destination.</summary>
    private static ApplicationManifest? FindApplication(string text, string file, string name)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException)
        {
            // ArgoCdProject.ParseAll has already refused a file that is not YAML, with its line.
            return null;
        }

        foreach (var document in stream.Documents)
        {
            if (document.RootNode is not YamlMappingNode root || Scalar(root, "kind") != "Application" || Scalar(Map(root, "metadata"), "name") != name)
            {
                continue;
            }

            var spec = Map(root, "spec");
            var destination = Map(spec, "destination");
            return new ApplicationManifest(file, (int)root.Start.Line, Scalar(spec, "project") ?? "default", Scalar(destination, "namespace") ?? "", Scalar(destination, "server") ?? "", Scalar(destination, "name") ?? "");
        }

        return null;
    }

    private sealed record ApplicationManifest(string File, int Line, string Project, string Namespace, string Server, string Cluster);

    private static YamlMappingNode? Map(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    private static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>A calendar file that does not parse refuses the deploy, at its file and line.</summary>
    private static T Read<T>(Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (CalendarParseException e)
        {
            var field = e.Field.Length > 0 ? e.Field + ": " : "";
            throw DeployException.File(new SourceLocation(e.File, e.Line, 1), field + e.Problem);
        }
    }
}
