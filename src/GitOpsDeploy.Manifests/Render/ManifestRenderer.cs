using System.Globalization;
using GitOpsDeploy.Manifests.Files;
using GitOpsDeploy.Manifests.Kustomize;

namespace GitOpsDeploy.Manifests.Render;

/// <summary>How renders run.</summary>
/// <param name="Timeout">Per render; the tool's process tree is killed past it.</param>
/// <param name="Tools">Null: <see cref="RenderTools.Locate()"/>.</param>
/// <param name="PreferKustomizeBinary">Use a <c>kustomize</c> binary over <c>kubectl kustomize</c> when both exist.</param>
public sealed record RenderOptions(TimeSpan? Timeout = null, RenderTools? Tools = null, bool PreferKustomizeBinary = false)
{
    public TimeSpan EffectiveTimeout => Timeout ?? TimeSpan.FromSeconds(60);
}

/// <summary>A render's outcome. <see cref="Output"/> is the multi-document YAML when <see cref="Succeeded"/>.</summary>
/// <param name="Command">The command line, with repository-relative paths.</param>
/// <param name="Error">The tool's stderr (repository-relative paths), or why it could not run.</param>
public sealed record RenderResult(bool Succeeded, string Output, string Error, int ExitCode, TimeSpan Elapsed, string Command, bool TimedOut = false)
{
    /// <summary>For a failed render: "this change does not build" with the tool's own words.</summary>
    public string FailureMessage
    {
        get
        {
            if (Succeeded)
            {
                return string.Empty;
            }

            var error = Error.Trim();
            if (error.Length > 4000)
            {
                error = error[..4000] + " ...";
            }

            var what = TimedOut ? $"did not finish within the timeout ({Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s)" : ExitCode < 0 ? "could not run" : $"failed (exit {ExitCode})";
            return $"this change does not build: `{Command}` {what}" + (error.Length > 0 ? ":\n" + error : string.Empty);
        }
    }
}

/// <summary>Before and after an edit, rendered the same way.</summary>
public sealed record RenderPair(RenderResult Before, RenderResult After);

/// <summary>
/// Renders a folder with the real tool: <c>kubectl kustomize</c> or <c>kustomize build</c> for a
/// kustomization, <c>helm template</c> for a Helm source. The files the render needs are first
/// materialised from <see cref="IManifestFiles"/> into a temporary folder, so the repository need
/// not be checked out; before and after an edit are two materialisations that differ only by the
/// edited files.
/// </summary>
public sealed class ManifestRenderer
{
    private readonly RenderOptions options;
    private readonly RenderTools tools;

    public ManifestRenderer(RenderOptions? options = null)
    {
        this.options = options ?? new RenderOptions();
        tools = this.options.Tools ?? RenderTools.Locate();
    }

    public RenderTools Tools => tools;

    /// <summary>Renders the kustomization in <paramref name="overlay"/>.</summary>
    /// <exception cref="InvalidOperationException">Neither kubectl nor kustomize is available.</exception>
    public async Task<RenderResult> RenderKustomizeAsync(IManifestFiles files, string overlay, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var (executable, prefix, name) = KustomizeCommand();
        var dir = ManifestPath.Normalize(overlay);
        KustomizeAnalysis analysis;
        try
        {
            analysis = new KustomizeAnalyzer(files).Analyze(dir);
        }
        catch (ManifestException e)
        {
            // What kustomize would refuse too (an escape, a missing file, an unknown field): said before running it.
            return new RenderResult(false, string.Empty, e.Message, -1, TimeSpan.Zero, $"{name} {(dir.Length == 0 ? "." : dir)}");
        }

        using var tree = MaterializedTree.Create(files, analysis.Files, analysis.Directories);
        var arguments = prefix.Append(dir.Length == 0 ? "." : dir).ToList();
        if (analysis.InflatesHelmCharts && tools.Helm is not null)
        {
            arguments.Add("--enable-helm");
            arguments.Add("--helm-command");
            arguments.Add(tools.Helm);
        }

        return await RunAsync(tree, executable, arguments, $"{name} {string.Join(' ', arguments.Skip(prefix.Count))}", cancellationToken);
    }

    /// <summary>Renders a Helm source with <c>helm template</c>.</summary>
    /// <exception cref="InvalidOperationException">helm is not available.</exception>
    public async Task<RenderResult> RenderHelmAsync(IManifestFiles files, HelmSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(source);
        var helm = tools.Helm ?? throw new InvalidOperationException("helm is not installed (set HELM_PATH or put helm on PATH)");
        var chart = ManifestPath.Normalize(source.ChartPath);
        if (!files.IsFile(ManifestPath.Combine(chart, "Chart.yaml")))
        {
            return new RenderResult(false, string.Empty, $"{chart}: holds no Chart.yaml", -1, TimeSpan.Zero, $"helm template {source.ReleaseName} {chart}");
        }

        var valueFiles = source.ValueFiles.Select(ManifestPath.Normalize).ToList();
        var missing = valueFiles.Where(v => !files.IsFile(v)).ToList();
        if (missing.Count > 0 && !source.IgnoreMissingValueFiles)
        {
            return new RenderResult(false, string.Empty, $"value file(s) not found: {string.Join(", ", missing)}", -1, TimeSpan.Zero, $"helm template {source.ReleaseName} {chart}");
        }

        valueFiles = valueFiles.Except(missing).ToList();
        using var tree = MaterializedTree.Create(files, valueFiles, [chart]);
        var arguments = new List<string> { "template", source.ReleaseName, chart };
        if (!string.IsNullOrEmpty(source.Namespace))
        {
            arguments.AddRange(["--namespace", source.Namespace]);
        }

        if (source.IncludeCrds)
        {
            arguments.Add("--include-crds");
        }

        foreach (var file in valueFiles)
        {
            arguments.AddRange(["--values", file]);
        }

        var shown = new List<string>(arguments);
        if (source.InlineValues is not null)
        {
            var inline = Path.Combine(tree.Root, "inline-values.yaml");
            await File.WriteAllTextAsync(inline, source.InlineValues, cancellationToken);
            arguments.AddRange(["--values", inline]);
            shown.AddRange(["--values", "<inline values>"]);
        }

        foreach (var parameter in source.Parameters ?? [])
        {
            var flag = parameter.ForceString ? "--set-string" : "--set";
            arguments.AddRange([flag, $"{parameter.Name}={parameter.Value}"]);
            shown.AddRange([flag, $"{parameter.Name}={parameter.Value}"]);
        }

        return await RunAsync(tree, helm, arguments, "helm " + string.Join(' ', shown), cancellationToken);
    }

    /// <summary>Renders the overlay before and after <paramref name="edits"/> (path to new content, null: removed), both at once.</summary>
    public async Task<RenderPair> RenderKustomizeEditAsync(IManifestFiles files, IReadOnlyDictionary<string, byte[]?> edits, string overlay, CancellationToken cancellationToken = default)
    {
        var before = RenderKustomizeAsync(files, overlay, cancellationToken);
        var after = RenderKustomizeAsync(new EditedManifestFiles(files, edits), overlay, cancellationToken);
        return new RenderPair(await before, await after);
    }

    /// <summary>Renders a Helm source before and after <paramref name="edits"/>, both at once.</summary>
    public async Task<RenderPair> RenderHelmEditAsync(IManifestFiles files, IReadOnlyDictionary<string, byte[]?> edits, HelmSource source, CancellationToken cancellationToken = default)
    {
        var before = RenderHelmAsync(files, source, cancellationToken);
        var after = RenderHelmAsync(new EditedManifestFiles(files, edits), source, cancellationToken);
        return new RenderPair(await before, await after);
    }

    private (string Executable, List<string> Prefix, string Name) KustomizeCommand()
    {
        if (tools.Kustomize is not null && (options.PreferKustomizeBinary || tools.Kubectl is null))
        {
            return (tools.Kustomize, ["build"], "kustomize build");
        }

        return tools.Kubectl is not null
            ? (tools.Kubectl, ["kustomize"], "kubectl kustomize")
            : throw new InvalidOperationException("neither kubectl nor kustomize is installed");
    }

    private async Task<RenderResult> RunAsync(MaterializedTree tree, string executable, List<string> arguments, string command, CancellationToken cancellationToken)
    {
        var state = Path.Combine(tree.Root, "state");
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = state,
            ["KUBECONFIG"] = Path.Combine(state, "kubeconfig"),
            ["HELM_CACHE_HOME"] = Path.Combine(state, "helm-cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(state, "helm-config"),
            ["HELM_DATA_HOME"] = Path.Combine(state, "helm-data"),
            ["XDG_CONFIG_HOME"] = Path.Combine(state, "config"),
            ["XDG_CACHE_HOME"] = Path.Combine(state, "cache"),
        };
        Directory.CreateDirectory(state);
        ToolRun run;
        try
        {
            run = await ToolRunner.RunAsync(executable, arguments, tree.RepositoryRoot, environment, options.EffectiveTimeout, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new RenderResult(false, string.Empty, $"{executable} could not be started: {e.Message}", -1, TimeSpan.Zero, command);
        }

        var succeeded = run.ExitCode == 0 && !run.TimedOut;
        return new RenderResult(succeeded, succeeded ? run.Stdout : string.Empty, tree.Relativize(run.Stderr), run.ExitCode, run.Elapsed, command, run.TimedOut);
    }
}
