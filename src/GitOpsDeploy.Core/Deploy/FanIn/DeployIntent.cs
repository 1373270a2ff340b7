using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Images;
using GitOpsDeploy.Core.Inputs;
using GitOpsDeploy.Core.Yaml;

namespace GitOpsDeploy.Core.Deploy;

/// <summary>One target of an intent: where the change goes.</summary>
public sealed record IntentTarget(string Environment, string OverlayPath, bool Production);

/// <summary>
/// A planned change published for other runs to apply (fan-in): which run it is, when it was
/// published, the source commit, and the change itself (images, values, Helm keys) per target.
/// Everything another run needs to re-plan it on a newer tip, nothing secret.
/// </summary>
public sealed record DeployIntent(string Id, string Run, DateTimeOffset Created, string? SourceRepository, string? SourceSha, IReadOnlyList<IntentTarget> Targets)
{
    public IReadOnlyList<string> Images { get; init; } = [];

    public IReadOnlyList<string> Settings { get; init; } = [];

    public IReadOnlyList<string> HelmImageKeys { get; init; } = [];

    public bool Force { get; init; }

    /// <summary>The name it was read under (what deleting it needs, whichever version wrote it); null before it is published.</summary>
    public string? Key { get; init; }

    /// <summary>How long an intent may be applied after it was published; older ones are deleted unapplied.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    /// <summary>The trailer that names this intent in the commit that carries it.</summary>
    public string Trailer => $"{Run} (intent {Id})";

    public bool ExpiredAt(DateTimeOffset now) => now - Created > Lifetime;

    /// <summary>The intent of a request: its targets and change, under a fresh id.</summary>
    public static DeployIntent Of(DeployRequest request, ActionContext context, DateTimeOffset now) =>
        new(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..12], RunName(context), now, request.Source.Repository, request.Source.Sha,
            request.Targets.Select(t => new IntentTarget(t.Environment, t.OverlayPath, t.Production)).ToList())
        {
            Images = request.Change.Images.Select(i => i.ToString()).ToList(),
            Settings = request.Change.Settings.Select(s => s.Text).ToList(),
            HelmImageKeys = request.Change.HelmImageKeys.Select(k => $"{k.Key}={k.Value}").ToList(),
            Force = request.Change.Force,
        };

    /// <summary>"owner/app#run-id", or "local" outside GitHub Actions.</summary>
    public static string RunName(ActionContext context) =>
        context.Repository is { } repository && context.RunId is { } run ? $"{repository}#{run}" : "local";

    /// <summary>
    /// The request another run applies for this intent: the applier's own landing and policy, this
    /// intent's source, targets and change. Null when the intent does not parse (a newer version wrote it).
    /// </summary>
    public DeployRequest? AsRequestOf(DeployRequest applier)
    {
        try
        {
            return applier with
            {
                Source = new SourceRef(SourceRepository, SourceSha) { ShaGiven = true },
                Targets = Targets.Select(t => new DeployTarget(t.Environment, t.OverlayPath, t.Production)).ToList(),
                Change = new Change(ChangeKind.Deploy)
                {
                    Images = Images.Select(i => ImageSpec.Parse(i)).ToList(),
                    Settings = Settings.Select(s => ValueSetting.Parse(s)).ToList(),
                    HelmImageKeys = HelmImageKey.ParseList(string.Join('\n', HelmImageKeys)),
                    Force = Force,
                },
            };
        }
        catch (DeployException)
        {
            return null;
        }
    }
}

/// <summary>
/// Intents are stored in ref names (creating a ref is one request, and listing refs is one query):
/// <c>&lt;created ms&gt;-&lt;id&gt;/&lt;payload&gt;[/&lt;payload&gt;...]</c>, the payload being
/// deflated JSON in base64url cut into components of at most 200 characters (file systems limit a
/// component to 255 bytes). Names sort by publication time. An intent whose encoding would exceed
/// <see cref="MaxLength"/> is not published: that run retries on its own.
/// </summary>
public static class IntentCodec
{
    public const int MaxLength = 1000;
    private const int Component = 200;

    public static string? Encode(DeployIntent intent)
    {
        var json = new JsonObject
        {
            ["v"] = 1,
            ["r"] = intent.Run,
            ["s"] = intent.SourceRepository,
            ["c"] = intent.SourceSha,
            ["t"] = new JsonArray([.. intent.Targets.Select(t => (JsonNode)new JsonArray(t.Environment, t.OverlayPath, t.Production))]),
            ["i"] = Strings(intent.Images),
            ["e"] = Strings(intent.Settings),
            ["h"] = Strings(intent.HelmImageKeys),
            ["f"] = intent.Force,
        };
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            deflate.Write(Encoding.UTF8.GetBytes(json.ToJsonString()));
        }

        var payload = Convert.ToBase64String(buffer.ToArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var parts = Enumerable.Range(0, (payload.Length + Component - 1) / Component).Select(i => payload.Substring(i * Component, Math.Min(Component, payload.Length - (i * Component))));
        var name = $"{intent.Created.ToUnixTimeMilliseconds():D13}-{intent.Id}/{string.Join('/', parts)}";
        return name.Length > MaxLength ? null : name;
    }

    /// <summary>The intent a name holds, or null when it is not one of ours (or from a version we cannot read).</summary>
    public static DeployIntent? Decode(string name)
    {
        try
        {
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            var head = slash < 0 ? name : name[..slash];
            var dash = head.IndexOf('-', StringComparison.Ordinal);
            if (slash < 0 || dash != 13 || !long.TryParse(head[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
            {
                return null;
            }

            var payload = name[(slash + 1)..].Replace("/", string.Empty, StringComparison.Ordinal).Replace('-', '+').Replace('_', '/');
            payload += new string('=', (4 - (payload.Length % 4)) % 4);
            using var deflate = new DeflateStream(new MemoryStream(Convert.FromBase64String(payload)), CompressionMode.Decompress);
            using var reader = new StreamReader(deflate, Encoding.UTF8);
            if (JsonNode.Parse(reader.ReadToEnd()) is not JsonObject json || json["v"]?.GetValue<int>() != 1)
            {
                return null;
            }

            var targets = json["t"]!.AsArray().Select(t => new IntentTarget(t![0]!.GetValue<string>(), t[1]!.GetValue<string>(), t[2]!.GetValue<bool>())).ToList();
            return new DeployIntent(head[(dash + 1)..], json["r"]!.GetValue<string>(), DateTimeOffset.FromUnixTimeMilliseconds(ms),
                json["s"]?.GetValue<string>(), json["c"]?.GetValue<string>(), targets)
            {
                Images = List(json["i"]),
                Settings = List(json["e"]),
                HelmImageKeys = List(json["h"]),
                Force = json["f"]?.GetValue<bool>() ?? false,
                Key = name,
            };
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or InvalidOperationException or System.Text.Json.JsonException or NullReferenceException or IndexOutOfRangeException or ArgumentException)
        {
            return null;
        }
    }

    private static JsonArray Strings(IReadOnlyList<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static IReadOnlyList<string> List(JsonNode? node) => node?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
}
