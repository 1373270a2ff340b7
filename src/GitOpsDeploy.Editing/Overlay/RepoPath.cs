namespace GitOpsDeploy.Editing.Overlay;

/// <summary>
/// Resolves user-given paths inside the gitops repository: lexically first ('..' may not climb
/// above the root), then through every symlink on the way (a link may not point outside either).
/// </summary>
public static class RepoPath
{
    private const int MaxLinkHops = 40;

    /// <summary>Joins <paramref name="relative"/> onto <paramref name="baseDirectory"/> and resolves it; <paramref name="input"/> names the input in errors.</summary>
    public static string Resolve(IRepositoryTree tree, string baseDirectory, string relative, string input) =>
        ResolveWithLinks(tree, baseDirectory, relative, input).Path;

    /// <summary>
    /// Resolves a path that must name an existing file. A symlink on the way whose target is missing is
    /// named with where it points; <paramref name="missing"/> builds the error for a plainly missing path.
    /// </summary>
    public static string ResolveFile(IRepositoryTree tree, string baseDirectory, string relative, string input, Func<string, DeployException> missing)
    {
        var (path, links) = ResolveWithLinks(tree, baseDirectory, relative, input);
        switch (tree.KindOf(path))
        {
            case TreeEntryKind.File:
                return path;
            case TreeEntryKind.Directory:
                throw DeployException.Input(input, $"'{relative}' is a folder ({path}), not a file");
            default:
                if (links.Count > 0)
                {
                    var (link, target) = links[^1];
                    throw DeployException.File(new SourceLocation(link, 0, 0), $"the symlink '{link}' points to '{target}' ({path}), which does not exist");
                }

                throw missing(path);
        }
    }

    /// <summary>True when <paramref name="path"/> (resolved) lies inside the folder <paramref name="directory"/> (resolved).</summary>
    public static bool IsInside(string directory, string path) =>
        directory.Length == 0 || path.StartsWith(directory + "/", StringComparison.Ordinal);

    private static (string Path, List<(string Link, string Target)> Links) ResolveWithLinks(IRepositoryTree tree, string baseDirectory, string relative, string input)
    {
        if (relative.Length == 0)
        {
            throw DeployException.Input(input, "path is empty");
        }

        if (relative.StartsWith('/') || relative.StartsWith('\\') || (relative.Length > 1 && relative[1] == ':'))
        {
            throw DeployException.Input(input, $"'{relative}' must be relative to the repository");
        }

        if (relative.Any(char.IsControl))
        {
            throw DeployException.Input(input, "path contains a control character");
        }

        var parts = new List<string>();
        var links = new List<(string, string)>();
        Walk(tree, parts, Split(baseDirectory), input, relative, 0, resolveLinks: false, links);
        Walk(tree, parts, Split(relative), input, relative, 0, resolveLinks: true, links);
        return (string.Join('/', parts), links);
    }

    private static string[] Split(string path) => path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static void Walk(IRepositoryTree tree, List<string> parts, IEnumerable<string> components, string input, string original, int hops, bool resolveLinks, List<(string, string)> links)
    {
        foreach (var component in components)
        {
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (parts.Count == 0)
                {
                    throw DeployException.Input(input, $"'{original}' points outside the gitops repository");
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(component);
            if (!resolveLinks)
            {
                continue;
            }

            var current = string.Join('/', parts);
            if (tree.KindOf(current) != TreeEntryKind.Symlink)
            {
                continue;
            }

            if (hops >= MaxLinkHops)
            {
                throw DeployException.Input(input, $"'{original}' has too many levels of symbolic links");
            }

            var target = tree.ReadSymlink(current);
            if (target.StartsWith('/'))
            {
                throw DeployException.Input(input, $"'{original}' goes through the symlink '{current}' -> '{target}', which points outside the gitops repository");
            }

            links.Add((current, target));
            parts.RemoveAt(parts.Count - 1);
            try
            {
                Walk(tree, parts, Split(target), input, original, hops + 1, resolveLinks: true, links);
            }
            catch (DeployException e) when (e.Message.Contains("points outside", StringComparison.Ordinal))
            {
                throw DeployException.Input(input, $"'{original}' goes through the symlink '{current}' -> '{target}', which points outside the gitops repository");
            }
        }
    }
}
