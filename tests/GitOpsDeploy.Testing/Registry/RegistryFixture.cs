using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace GitOpsDeploy.Registry.Tests;

/// <summary>
/// A real registry (Debian's docker-registry: CNCF distribution 2.8) on a free loopback port with its own config
/// and storage in a temp dir, started per test class, and skopeo to push images into it. When either binary is
/// missing the fixture does not start and the tests report themselves skipped (<see cref="RequireTools"/>);
/// tests/GitOpsDeploy.Registry.Tests/install.sh installs both.
/// </summary>
/// <remarks>
/// The registry runs under a small shell that waits on its standard input: if the test process dies without
/// disposing the fixture, the pipe closes and the registry is stopped, so no registry outlives a test run.
/// </remarks>
public class RegistryFixture : IAsyncLifetime
{
    public const string RegistryBinary = "/usr/bin/docker-registry";

    private Process? process;

    /// <summary>Why the tests cannot run here, or null.</summary>
    public string? MissingReason { get; private set; }

    /// <summary><c>127.0.0.1:PORT</c>.</summary>
    public string Host { get; private set; } = string.Empty;

    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("registry-fixture-").FullName;

    public string LogPath => Path.Combine(WorkDirectory, "registry.log");

    public static string? Skopeo { get; } = FindOnPath("skopeo");

    /// <summary>Credentials skopeo pushes with (<c>user:password</c>), for registries that require them.</summary>
    protected virtual string? PushCredentials => null;

    /// <summary>Skips the calling test, visibly, when the registry or skopeo is not installed.</summary>
    public void RequireTools() => Skip.If(MissingReason is not null, MissingReason);

    public async Task InitializeAsync()
    {
        if (!File.Exists(RegistryBinary) || Skopeo is null)
        {
            MissingReason = $"{(File.Exists(RegistryBinary) ? "skopeo" : RegistryBinary)} is not installed (tests/GitOpsDeploy.Registry.Tests/install.sh installs docker-registry and skopeo): real-registry test skipped";
            return;
        }

        await BeforeStartAsync();
        await StartRegistryAsync();
    }

    public async Task DisposeAsync()
    {
        await BeforeStopAsync();
        if (process is not null)
        {
            try
            {
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The registry may still be writing its log as it exits.
        }
    }

    /// <summary>A reference to an image in this registry.</summary>
    public ImageReference Reference(string repository, string? tag = null, string? digest = null) =>
        ImageReference.Create(Host, repository, tag, digest);

    /// <summary><c>skopeo copy</c> of a tag of the layout into <c>REPOSITORY:TAG</c> (<paramref name="all"/>: every image of an index).</summary>
    public async Task PushAsync(OciLayout layout, string tag, string repository, bool all = false, string? format = null)
    {
        var args = new List<string> { "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false" };
        if (all)
        {
            args.Add("--all");
        }

        if (format is not null)
        {
            args.AddRange(["--format", format]);
        }

        if (PushCredentials is { } creds)
        {
            args.AddRange(["--dest-creds", creds]);
        }

        args.AddRange([$"oci:{layout.Directory}:{tag}", $"docker://{Host}/{repository}:{tag}"]);
        await RunAsync(Skopeo!, args);
    }

    /// <summary>The digest skopeo reads for a tag: the sha256 of the manifest bytes <c>skopeo inspect --raw</c> got from the registry.</summary>
    public async Task<string> SkopeoDigestAsync(string repository, string tag)
    {
        var args = new List<string> { "inspect", "--raw", "--tls-verify=false" };
        if (PushCredentials is { } creds)
        {
            args.AddRange(["--creds", creds]);
        }

        args.Add($"docker://{Host}/{repository}:{tag}");
        var raw = await RunAsync(Skopeo!, args);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw));
    }

    /// <summary>The registry's log so far (last lines), for a failure's message.</summary>
    public string LogTail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no registry log)";
        }
    }

    /// <summary>The <c>auth:</c> section of the registry config (indented two spaces under it), or null for none.</summary>
    protected virtual string? AuthConfig() => null;

    protected virtual Task BeforeStartAsync() => Task.CompletedTask;

    protected virtual Task BeforeStopAsync() => Task.CompletedTask;

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task StartRegistryAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            Host = $"127.0.0.1:{port}";
            var config = Path.Combine(WorkDirectory, "config.yml");
            var storage = Path.Combine(WorkDirectory, "storage");
            Directory.CreateDirectory(storage);
            var auth = AuthConfig();
            await File.WriteAllTextAsync(config, $"""
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: {storage}
                  delete:
                    enabled: true
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: {Host}
                  secret: registry-fixture-http-secret
                {(auth is null ? string.Empty : "auth:\n" + auth)}
                """);

            var start = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            // The registry is stopped when this shell's standard input closes (fixture disposed, or test process gone).
            foreach (var arg in (string[])["-c", "exec 2>>\"$2\"; \"$0\" serve \"$1\" </dev/null >>\"$2\" & p=$!; read -r _; kill $p; wait $p", RegistryBinary, config, LogPath])
            {
                start.ArgumentList.Add(arg);
            }

            process = Process.Start(start) ?? throw new InvalidOperationException("could not start /bin/sh");
            if (await ReadyAsync())
            {
                return;
            }

            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
            process = null;
            var log = LogTail();
            if (attempt < 3 && log.Contains("address already in use", StringComparison.Ordinal))
            {
                continue;
            }

            throw new InvalidOperationException($"docker-registry did not start on {Host}:\n{log}");
        }
    }

    /// <summary>Ready once <c>/v2/</c> answers anything (200 open, 401 with auth).</summary>
    private async Task<bool> ReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && process is { HasExited: false })
        {
            try
            {
                using var response = await http.GetAsync($"http://{Host}/v2/");
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }

        return false;
    }

    private async Task<byte[]> RunAsync(string file, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // skopeo reads and may write under HOME (auth.json, registries.d): keep it to this fixture.
        start.Environment["HOME"] = WorkDirectory;
        using var child = Process.Start(start)!;
        using var output = new MemoryStream();
        var copy = child.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = child.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args.Select(Redact))} did not finish within 120 s");
        }

        await copy;
        var stderr = await errors;
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args.Select(Redact))} exited {child.ExitCode}:\n{stderr}\nregistry log:\n{LogTail()}");
        }

        return output.ToArray();
    }

    private string Redact(string arg) => PushCredentials is { } creds ? arg.Replace(creds, "***", StringComparison.Ordinal) : arg;

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

/// <summary>The registry with <c>auth: token:</c>, in front of it a <see cref="TokenService"/> of this test process (Kestrel on loopback).</summary>
public sealed class TokenRegistryFixture : RegistryFixture
{
    public const string User = "deployer";
    public const string Password = "s3cret-Pa55word-for-tests";

    public TokenService Tokens { get; private set; } = null!;

    protected override string? PushCredentials => $"{User}:{Password}";

    protected override async Task BeforeStartAsync()
    {
        Tokens = await TokenService.StartAsync(WorkDirectory, new Dictionary<string, string> { [User] = Password });
    }

    protected override async Task BeforeStopAsync()
    {
        if (Tokens is not null)
        {
            await Tokens.DisposeAsync();
        }
    }

    protected override string AuthConfig() => $"""
          token:
            realm: {Tokens.Realm}
            service: {TokenService.Service}
            issuer: {TokenService.Issuer}
            rootcertbundle: {Tokens.RootCertificatePath}
        """;
}

/// <summary>The registry with <c>auth: htpasswd:</c>: it answers with a Basic challenge and checks a bcrypt hash.</summary>
public sealed class HtpasswdRegistryFixture : RegistryFixture
{
    public const string User = "pusher";
    public const string Password = "htpasswd-Pa55word-for-tests";

    protected override string? PushCredentials => $"{User}:{Password}";

    protected override string AuthConfig()
    {
        var file = Path.Combine(WorkDirectory, "htpasswd");
        // Cost 5 keeps the registry's check fast; distribution accepts any bcrypt cost from 4.
        File.WriteAllText(file, $"{User}:{BCrypt.Net.BCrypt.HashPassword(Password, workFactor: 5)}\n", Encoding.ASCII);
        return $"""
              htpasswd:
                realm: gitops-deploy-test
                path: {file}
            """;
    }
}
