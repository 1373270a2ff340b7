using System.Text.Json.Nodes;

namespace GitOpsDeploy.Sigstore.Tests;

/// <summary>Test data shipped next to the test assembly.</summary>
internal static class Fixture
{
    /// <summary>GitHub's public cloud, where the real bundles and sigstore-js's minted ones were signed.</summary>
    public const string CloudServer = "https://github.com";

    public const string CloudIssuer = "https://token.actions.githubusercontent.com";

    /// <summary>The default policy for a repository on GitHub's public cloud.</summary>
    public static AttestationPolicy Cloud(string repository) => new() { SourceRepository = repository, ServerUrl = CloudServer, Issuer = CloudIssuer };

    public static string Path(params string[] parts) => System.IO.Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(Path(parts));

    public static string Real(string name) => Read("real", name);

    /// <summary>The repository checkout the tests were built from (the folder with Directory.Packages.props).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Directory.Packages.props")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }

    public static string EmbeddedRoot(string name) =>
        File.ReadAllText(System.IO.Path.Combine(RepositoryRoot(), "src", "GitOpsDeploy.Sigstore", "TrustedRoots", name));

    /// <summary>Edits a bundle's JSON and returns the edited text.</summary>
    public static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }

    /// <summary>Flips one bit of a base64 value.</summary>
    public static string FlipBase64(string value, int byteIndex = 0)
    {
        var bytes = Convert.FromBase64String(value);
        var index = byteIndex < 0 ? bytes.Length + byteIndex : byteIndex;
        bytes[index] ^= 0x01;
        return Convert.ToBase64String(bytes);
    }
}
