using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Requests;
using GitOpsDeploy.Editing;

namespace GitOpsDeploy.Core.Planning;

/// <summary>What a plan binds for one target: where it writes, the exact image references it ends with, and a digest of every file that builds it, after the change.</summary>
/// <param name="Images">NAME=NEWNAME:TAG[@DIGEST], ordinal order.</param>
/// <param name="Files">Repository path -> the first 16 hex digits of the SHA-256 of the file after the change.</param>
public sealed record TargetBinding(string Environment, string OverlayPath, IReadOnlyList<string> Images, IReadOnlyDictionary<string, string> Files)
{
    /// <summary>The binding of a target from the tree after its change: <paramref name="paths"/> are the files that build it.</summary>
    public static TargetBinding Of(IRepositoryTree after, string environment, string overlayPath, IEnumerable<string> images, IEnumerable<string> paths)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (after.KindOf(path) == TreeEntryKind.File)
            {
                files[path] = PlanBinding.FileDigest(after.ReadFile(path));
            }
        }

        return new TargetBinding(environment, overlayPath, images.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), files);
    }
}

/// <summary>
/// The <c>plan</c> output and the <c>expected-plan</c> check: the base commit a plan was made on and, per target,
/// what was shown to the approver. Encoded as <c>gitops-plan/v1.DIGEST.PAYLOAD</c> (PAYLOAD base64url JSON, DIGEST its
/// SHA-256), so the applying run can say exactly what differs, not only that something does.
/// </summary>
public sealed record PlanBinding(string BaseSha, IReadOnlyList<TargetBinding> Targets)
{
    private const int MaxListed = 10;

    /// <summary>The 16-hex-digit SHA-256 prefix this binding uses for files and for the plan itself.</summary>
    public static string FileDigest(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content))[..16];

    /// <summary>The <c>plan</c> output.</summary>
    public string Encode()
    {
        var json = Json().ToJsonString();
        var bytes = Encoding.UTF8.GetBytes(json);
        return ReviewOptions.PlanPrefix + FileDigest(bytes) + "." + Base64Url.EncodeToString(bytes);
    }

    /// <summary>The short digest of the plan (what a reader compares by eye).</summary>
    public string Digest => FileDigest(Encoding.UTF8.GetBytes(Json().ToJsonString()));

    /// <summary>Reads an <c>expected-plan</c> input; a value this action did not write (or one cut or edited on the way) is refused.</summary>
    public static PlanBinding Decode(string text)
    {
        var body = text.Trim();
        var parts = body.StartsWith(ReviewOptions.PlanPrefix, StringComparison.Ordinal) ? body[ReviewOptions.PlanPrefix.Length..].Split('.') : [];
        if (parts.Length != 2)
        {
            throw Broken("it is not DIGEST.PAYLOAD");
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(parts[1]);
        }
        catch (FormatException)
        {
            throw Broken("its payload is not base64url");
        }

        if (FileDigest(bytes) != parts[0])
        {
            throw Broken("its digest does not match its payload (cut or edited on the way)");
        }

        try
        {
            var root = JsonNode.Parse(bytes)!.AsObject();
            var targets = root["targets"]!.AsArray().Select(t => new TargetBinding(
                (string)t!["environment"]!,
                (string)t["overlay"]!,
                t["images"]!.AsArray().Select(i => (string)i!).ToList(),
                t["files"]!.AsObject().ToDictionary(f => f.Key, f => (string)f.Value!, StringComparer.Ordinal))).ToList();
            return new PlanBinding((string)root["base"]!, targets);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            throw Broken("its payload is not a plan");
        }
    }

    /// <summary>What differs between this (expected) plan and <paramref name="current"/>, in words; empty when the current run is the plan.</summary>
    public IReadOnlyList<string> Differences(PlanBinding current)
    {
        var differences = new List<string>();
        var expected = Targets.ToDictionary(t => t.Environment, StringComparer.Ordinal);
        var now = current.Targets.ToDictionary(t => t.Environment, StringComparer.Ordinal);
        foreach (var missing in expected.Keys.Except(now.Keys))
        {
            differences.Add($"the plan deploys to {missing}, this run does not");
        }

        foreach (var extra in now.Keys.Except(expected.Keys))
        {
            differences.Add($"this run deploys to {extra}, the plan does not");
        }

        foreach (var (environment, planned) in expected.Where(e => now.ContainsKey(e.Key)))
        {
            var actual = now[environment];
            if (planned.OverlayPath != actual.OverlayPath)
            {
                differences.Add($"{environment}: the plan writes {planned.OverlayPath}, this run {actual.OverlayPath}");
                continue;
            }

            var plannedImages = ByName(planned.Images);
            var actualImages = ByName(actual.Images);
            foreach (var name in plannedImages.Keys.Union(actualImages.Keys).Order(StringComparer.Ordinal))
            {
                var was = plannedImages.GetValueOrDefault(name);
                var isNow = actualImages.GetValueOrDefault(name);
                if (was != isNow)
                {
                    differences.Add($"{environment}: image {name} is {Reference(isNow)}, the plan had {Reference(was)}");
                }
            }

            var files = new List<string>();
            foreach (var path in planned.Files.Keys.Union(actual.Files.Keys).Order(StringComparer.Ordinal))
            {
                var was = planned.Files.GetValueOrDefault(path);
                var isNow = actual.Files.GetValueOrDefault(path);
                if (was != isNow)
                {
                    files.Add(was is null ? $"{path} (new)" : isNow is null ? $"{path} (no longer read)" : path);
                }
            }

            if (files.Count > 0)
            {
                var listed = string.Join(", ", files.Take(MaxListed)) + (files.Count > MaxListed ? $" and {files.Count - MaxListed} more" : string.Empty);
                differences.Add($"{environment}: {(files.Count == 1 ? "a file that builds it differs" : $"{files.Count.ToString(CultureInfo.InvariantCulture)} files that build it differ")} from the plan: {listed}");
            }
        }

        return differences;
    }

    private JsonObject Json() => new()
    {
        ["base"] = BaseSha,
        ["targets"] = new JsonArray([.. Targets.Select(t => (JsonNode)new JsonObject
        {
            ["environment"] = t.Environment,
            ["overlay"] = t.OverlayPath,
            ["images"] = new JsonArray([.. t.Images.Select(i => (JsonNode)i)]),
            ["files"] = new JsonObject(t.Files.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => KeyValuePair.Create(f.Key, (JsonNode?)f.Value))),
        })]),
    };

    private static Dictionary<string, string> ByName(IEnumerable<string> images) =>
        images.GroupBy(i => i.Contains('=', StringComparison.Ordinal) ? i[..i.IndexOf('=', StringComparison.Ordinal)] : i, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static string Reference(string? entry) => entry is null ? "not set" : entry[(entry.IndexOf('=', StringComparison.Ordinal) + 1)..];

    private static DeployException Broken(string why) =>
        DeployException.Input("expected-plan", $"is not a plan output of this action: {why}; pass the plan job's output unchanged, e.g. ${{{{ needs.plan.outputs.plan }}}}");
}
