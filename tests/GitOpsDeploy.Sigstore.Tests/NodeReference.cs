using System.Diagnostics;
using System.Text.Json;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>
/// Runs the node scripts of the differential tests (node/mint.mjs, node/verify.mjs) with the npm
/// packages installed by node/install.sh into SIGSTORE_NODE_MODULES (default node/node_modules).
/// <see cref="Unavailable"/> says why they cannot run on this machine, for a visible skip.
/// </summary>
internal static class NodeReference
{
    public static string ScriptDirectory => Path.Combine(Fixture.RepositoryRoot(), "tests", "GitOpsDeploy.Sigstore.Tests", "node");

    public static string ModulesDirectory =>
        Environment.GetEnvironmentVariable("SIGSTORE_NODE_MODULES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(ScriptDirectory, "node_modules");

    public static string? NodeExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node"))
            .FirstOrDefault(File.Exists);

    /// <summary>Null when node and the packages are there; else what is missing and how to get it.</summary>
    public static string? Unavailable()
    {
        if (NodeExecutable() is null)
        {
            return "node is not installed (apt-get install nodejs npm), so the sigstore-js reference verifier cannot run";
        }

        foreach (var package in new[] { "@sigstore/verify", "@sigstore/mock", "@sigstore/bundle", "canonicalize" })
        {
            if (!Directory.Exists(Path.Combine(ModulesDirectory, package)))
            {
                return $"{package} is not installed in {ModulesDirectory}: run tests/GitOpsDeploy.Sigstore.Tests/node/install.sh";
            }
        }

        return null;
    }

    /// <summary>Runs a script of the node folder; returns stdout, throws with stderr when it fails.</summary>
    public static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo(NodeExecutable() ?? throw new InvalidOperationException("no node"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ScriptDirectory,
        };
        start.ArgumentList.Add(Path.Combine(ScriptDirectory, script));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["SIGSTORE_NODE_MODULES"] = ModulesDirectory;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in 3 minutes");
        }

        return process.ExitCode == 0
            ? stdout.Result
            : throw new InvalidOperationException($"node {script} exited with {process.ExitCode}: {stderr.Result}");
    }
}

/// <summary>Bundles minted once per test class by node/mint.mjs, with sigstore-js's verdict on each.</summary>
public sealed class MintedBundles : IDisposable
{
    public MintedBundles()
    {
        Unavailable = NodeReference.Unavailable();
        if (Unavailable is not null)
        {
            return;
        }

        Directory = System.IO.Directory.CreateTempSubdirectory("sigstore-minted-").FullName;
        NodeReference.Run("mint.mjs", Directory);
        var casesPath = Path.Combine(Directory, "cases.json");
        using var cases = JsonDocument.Parse(File.ReadAllText(casesPath));
        Now = cases.RootElement.GetProperty("now").GetDateTimeOffset();
        Cases = cases.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new MintedCase(c.Clone()))
            .ToDictionary(c => c.Name);
        var results = NodeReference.Run("verify.mjs", Path.Combine(Directory, "trusted_root.json"), casesPath);
        using var verdicts = JsonDocument.Parse(results);
        Reference = verdicts.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.Clone());
    }

    public string? Unavailable { get; }

    public string Directory { get; } = string.Empty;

    public DateTimeOffset Now { get; }

    public IReadOnlyDictionary<string, MintedCase> Cases { get; } = new Dictionary<string, MintedCase>();

    public IReadOnlyDictionary<string, JsonElement> Reference { get; } = new Dictionary<string, JsonElement>();

    public TrustedRoot TrustedRoot() => GitOpsDeploy.Sigstore.TrustedRoot.LoadFile(Path.Combine(Directory, "trusted_root.json"))[0];

    public void Dispose()
    {
        if (Directory.Length > 0)
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
    }
}

/// <summary>One minted case: its bundle file, the digest and policy to verify with, and the right answer.</summary>
public sealed class MintedCase(JsonElement json)
{
    public string Name { get; } = json.GetProperty("name").GetString()!;

    public string File { get; } = json.GetProperty("file").GetString()!;

    public string Digest { get; } = json.GetProperty("digest").GetString()!;

    public bool ExpectVerified { get; } = json.GetProperty("expect").GetString() == "verified";

    public VerificationCheck? ExpectedCheck { get; } =
        json.TryGetProperty("check", out var check) ? Enum.Parse<VerificationCheck>(check.GetString()!) : null;

    public AttestationPolicy Policy { get; } = ReadPolicy(json.GetProperty("policy"));

    private static AttestationPolicy ReadPolicy(JsonElement p)
    {
        string? Text(string name) => p.TryGetProperty(name, out var v) ? v.GetString() : null;
        string[] List(string name) => p.TryGetProperty(name, out var v) ? v.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
        var policy = new AttestationPolicy
        {
            SourceRepository = Text("sourceRepository")!,
            SourceCommit = Text("sourceCommit"),
            SourceRef = Text("sourceRef"),
            AllowedSignerWorkflows = List("allowedSignerWorkflows"),
            AllowSelfHostedRunners = p.TryGetProperty("allowSelfHostedRunners", out var s) && s.GetBoolean(),
            ServerUrl = Fixture.CloudServer,
            Issuer = Fixture.CloudIssuer,
        };
        return Text("issuer") is { } issuer ? policy with { Issuer = issuer } : policy;
    }
}

/// <summary>A clock that says what the mint script said "now" is.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
