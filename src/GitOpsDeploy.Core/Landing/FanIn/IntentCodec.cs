using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GitOpsDeploy.Core.Ports;
using GitOpsDeploy.Core.Requests;

namespace GitOpsDeploy.Core.Landing.FanIn;

/// <summary>
/// Where an intent lives: a short ref, <c>&lt;created ms&gt;-&lt;id&gt;</c> under the branch's folder
/// (so every ref the action creates stays far below GitHub's 255 bytes whatever the names), pointing
/// at a commit object whose message is the payload: the intent as canonical JSON plus its proof.
/// Names sort by publication time.
/// </summary>
public static class IntentCodec
{
    /// <summary>The intent of a request: its targets and change, under the run's id. Null when the request cannot be carried by another run.</summary>
    public static DeployIntent Of(DeployRequest request, ActionContext context, string id, DateTimeOffset now) =>
        new(id, RunName(context), DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), request.Source.Repository ?? string.Empty, request.Source.Sha ?? string.Empty,
            request.Targets.Select(t => new IntentTarget(t.Environment, t.OverlayPath)).ToList())
        {
            GitOpsRepository = request.GitOps.Display,
            Branch = string.Empty,
            Images = request.Change.Images.Select(i => i.ToString()).ToList(),
            Settings = request.Change.Settings.Select(s => s.Text).ToList(),
            HelmImageKeys = request.Change.HelmImageKeys.Select(k => $"{k.Key}={k.Value}").ToList(),
            CreateMissingKeys = request.Change.CreateMissingKeys,
        };

    /// <summary>"owner/app#run-id", or "local" outside GitHub Actions.</summary>
    public static string RunName(ActionContext context) =>
        context.Repository is { } repository && context.RunId is { } run ? $"{repository}#{run}" : "local";

    /// <summary>Payloads larger than this are not published (a runaway <c>set</c>): that run commits alone.</summary>
    public const int MaxPayload = 60_000;

    private const string Header = "gitops-deploy intent v2";

    /// <summary>The ref name of an intent, relative to its branch's folder.</summary>
    public static string Name(DeployIntent intent) => $"{intent.Created.ToUnixTimeMilliseconds():D13}-{intent.Id}";

    /// <summary>
    /// The intent's content as canonical JSON (fixed key order, no whitespace): what the proof's
    /// audience commits to. Everything but the proof and where it was read from.
    /// </summary>
    public static string Canonical(DeployIntent intent)
    {
        var json = new JsonObject
        {
            ["id"] = intent.Id,
            ["run"] = intent.Run,
            ["created"] = intent.Created.ToUnixTimeMilliseconds(),
            ["gitops"] = intent.GitOpsRepository,
            ["branch"] = intent.Branch,
            ["source"] = intent.SourceRepository,
            ["sha"] = intent.SourceSha,
            ["targets"] = new JsonArray([.. intent.Targets.Select(t => (JsonNode)new JsonArray(t.Environment, t.OverlayPath))]),
            ["images"] = Strings(intent.Images),
            ["set"] = Strings(intent.Settings),
            ["helm"] = Strings(intent.HelmImageKeys),
        };

        // Only when off, so an intent of a run that predates the input (or keeps the default) reads the same.
        if (!intent.CreateMissingKeys)
        {
            json["create"] = false;
        }

        return json.ToJsonString();
    }

    /// <summary>The audience the proof must be minted for: the digest of <see cref="Canonical"/>.</summary>
    public static string Audience(DeployIntent intent) =>
        "gitops-deploy:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(intent)))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The payload commit's message: a header line, the canonical content, the proof.</summary>
    public static string Payload(DeployIntent intent) =>
        $"{Header}\n\n{Canonical(intent)}\n\n{intent.Proof ?? throw new InvalidOperationException("an intent is published with its proof")}\n";

    /// <summary>The intent a ref name and its payload hold, or null when they are not one of ours or do not agree.</summary>
    public static DeployIntent? Decode(string name, string? payload, string? objectId = null)
    {
        try
        {
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash != 13 || name.Length != 26 || !long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || payload is null)
            {
                return null;
            }

            var parts = payload.ReplaceLineEndings("\n").Trim('\n').Split("\n\n");
            if (parts.Length != 3 || parts[0] != Header || JsonNode.Parse(parts[1]) is not JsonObject json)
            {
                return null;
            }

            var targets = json["targets"]!.AsArray().Select(t => new IntentTarget(t![0]!.GetValue<string>(), t[1]!.GetValue<string>())).ToList();
            var intent = new DeployIntent(json["id"]!.GetValue<string>(), json["run"]!.GetValue<string>(), DateTimeOffset.FromUnixTimeMilliseconds(json["created"]!.GetValue<long>()),
                json["source"]!.GetValue<string>(), json["sha"]!.GetValue<string>(), targets)
            {
                GitOpsRepository = json["gitops"]!.GetValue<string>(),
                Branch = json["branch"]!.GetValue<string>(),
                Images = List(json["images"]),
                Settings = List(json["set"]),
                HelmImageKeys = List(json["helm"]),
                CreateMissingKeys = json["create"]?.GetValue<bool>() ?? true,
                Proof = parts[2].Trim(),
                Key = name,
                Object = objectId,
            };

            // The name and the content must agree, and the content must be exactly what the proof's audience commits to.
            return ms == intent.Created.ToUnixTimeMilliseconds() && name[(dash + 1)..] == intent.Id && Canonical(intent) == parts[1] ? intent : null;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException or NullReferenceException or IndexOutOfRangeException or ArgumentException)
        {
            return null;
        }
    }

    private static JsonArray Strings(IReadOnlyList<string> values) => new([.. values.Select(v => (JsonNode)v)]);

    private static IReadOnlyList<string> List(JsonNode? node) => node?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
}
