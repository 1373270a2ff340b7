using System.Diagnostics;
using System.Globalization;
using GitOpsDeploy.Registry.Tests;
using GitOpsDeploy.Sigstore;
using GitOpsDeploy.Sigstore.Tests;
using GitOpsDeploy.Tests.Fakes;

/// <summary>
/// (s) What the supply-chain gate adds to a run (<c>BENCH_ONLY=s</c>): the published tool against the loopback GitHub
/// fake and a real registry (Debian's docker-registry, images pushed with skopeo), push mode, no deployment, one image.
/// Each configuration is timed on a fresh image (a new tag, and for attestations a bundle minted for its digest), the
/// configurations interleaved so drift on the machine hits all alike. Requests are counted where they arrive: the
/// registry's log ("response completed" per request), the token service's queue, the fake GitHub's request log.
/// </summary>
internal static class SupplyChainBench
{
    private const string Token = "ghs_benchSUPPLYtoken0123456789";
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static async Task<int> RunAsync(string tool, int runs)
    {
        await using var github = await FakeGitHub.StartAsync();
        github.AddToken(Token, Permission.Write);
        var app = github.CreateApiRepo("acme/app");
        var registry = new RegistryFixture();
        var secured = new TokenRegistryFixture();
        await registry.InitializeAsync();
        await secured.InitializeAsync();
        using var layout = new OciLayout();
        using var sigstore = new LocalSigstore();
        var work = Directory.CreateTempSubdirectory("bench-supply-").FullName;
        try
        {
            if ((registry.MissingReason ?? secured.MissingReason) is { } missing)
            {
                Console.WriteLine($"(s) skipped: {missing}");
                return 0;
            }

            var trustedRoot = Path.Combine(work, "trusted_root.json");
            await File.WriteAllTextAsync(trustedRoot, sigstore.TrustedRootJson());
            const string kustomization = "resources: []\nimages:\n  - name: web\n    newName: ghcr.io/acme/web\n    newTag: \"1.0.0\"\n";
            var gitops = github.CreateRepo("acme/supply-gitops", new Dictionary<string, string>
            {
                ["environments/staging/kustomization.yaml"] = kustomization,
                ["environments/production/kustomization.yaml"] = kustomization,
            });
            var claims = new BuildClaims(Repository: "acme/app", Commit: Sha, RunId: "77", Server: github.ServerUrl);
            var version = 0;

            // A new image in the registry (attested when asked): what each measured run deploys.
            async Task<string> NewImageAsync(RegistryFixture where, string repository, bool attest)
            {
                var tag = $"1.{++version}.0";
                var image = layout.AddImage(tag, content: $"layer {version}");
                await where.PushAsync(layout, tag, repository);
                if (attest)
                {
                    app.Attestations.Add((image.Digest, sigstore.Bundle(image.Digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddSeconds(5), claims: claims)));
                }

                return $"web={where.Host}/{repository}:{tag}";
            }

            var deploys = new (string Name, RegistryFixture Where, string Repository, bool Attest, (string, string)[] Inputs)[]
            {
                ("pin: none (before)", registry, "acme/web", false, [("pin", "none")]),
                ("pin: tag-and-digest, anonymous registry", registry, "acme/web", false, [("pin", "tag-and-digest")]),
                ("pin: tag-and-digest, bearer-token registry + credentials", secured, "private/web", false, [("pin", "tag-and-digest"), ("registry-username", TokenRegistryFixture.User), ("registry-password", TokenRegistryFixture.Password)]),
                ("pin + verify-attestations", registry, "acme/web", true, [("pin", "tag-and-digest"), ("verify-attestations", "true"), ("attestation-trusted-root", trustedRoot)]),
            };
            var samples = deploys.ToDictionary(d => d.Name, _ => new List<Sample>());
            for (var i = 0; i < runs; i++)
            {
                foreach (var (name, where, repository, attest, inputs) in deploys)
                {
                    var image = await NewImageAsync(where, repository, attest);
                    samples[name].Add(Measure(tool, github, gitops.FullName, registry, secured, [("environment", "staging"), ("images", image), .. inputs]));
                }
            }

            Console.WriteLine($"\n(s) supply-chain gate: one image, push mode, deployment off; medians of {runs}");
            Report(samples, deploys[0].Name);

            // Promotion: staging gets a new attested, pinned image; production is then promoted with each configuration.
            var promotions = new (string Name, (string, string)[] Inputs)[]
            {
                ("promote, pin: none (before)", [("pin", "none")]),
                ("promote, pin (digest re-checked)", [("pin", "tag-and-digest")]),
                ("promote, pin + verify-attestations", [("pin", "tag-and-digest"), ("verify-attestations", "true"), ("attestation-trusted-root", trustedRoot)]),
            };
            var promoted = promotions.ToDictionary(p => p.Name, _ => new List<Sample>());
            for (var i = 0; i < runs; i++)
            {
                foreach (var (name, inputs) in promotions)
                {
                    var image = await NewImageAsync(registry, "acme/web", attest: true);
                    var staged = Measure(tool, github, gitops.FullName, registry, secured, [("environment", "staging"), ("images", image), ("pin", "tag-and-digest")]);
                    if (staged.Exit != 0)
                    {
                        throw new InvalidOperationException($"staging deploy failed: {staged.Output}");
                    }

                    promoted[name].Add(Measure(tool, github, gitops.FullName, registry, secured, [("environment", "production"), ("promote-from", "staging"), ("images", "web"), .. inputs]));
                }
            }

            Report(promoted, promotions[0].Name);

            // The verifier alone, warm, in this process: one bundle of the shape GitHub's private instance makes (Fulcio
            // certificate + RFC 3161 timestamp), the part of verify-attestations that is CPU rather than network.
            var digest = layout.AddImage("verify-only").Digest;
            var bundle = sigstore.Bundle(digest, LocalSigstore.Epoch, LocalSigstore.Epoch.AddSeconds(5), claims: claims);
            var verifier = new AttestationVerifier([sigstore.TrustedRoot()], TimeProvider.System);
            var policy = new AttestationPolicy { SourceRepository = "acme/app", SourceCommit = Sha, ServerUrl = github.ServerUrl, Issuer = claims.Issuer };
            var times = new List<double>();
            for (var i = 0; i < 200; i++)
            {
                var sw = Stopwatch.StartNew();
                var result = verifier.VerifyBundle(bundle, digest, policy);
                times.Add(sw.Elapsed.TotalMilliseconds);
                if (!result.IsVerified)
                {
                    throw new InvalidOperationException($"the bench bundle did not verify: {result.FailedCheck}: {result.Reason}");
                }
            }

            times.Sort();
            Console.WriteLine($"    verifier alone (warm, 200 bundles): median {times[100].ToString("F2", Inv)} ms, first {times[^1].ToString("F1", Inv)} ms at most");
            return 0;
        }
        finally
        {
            await secured.DisposeAsync();
            await registry.DisposeAsync();
            Directory.Delete(work, recursive: true);
        }
    }

    private sealed record Sample(double Ms, int Exit, int RegistryRequests, int TokenRequests, int GitHubRequests, int AttestationRequests, string Output);

    private static Sample Measure(string tool, FakeGitHub github, string gitops, RegistryFixture registry, TokenRegistryFixture secured, (string Name, string Value)[] inputs)
    {
        var dir = Directory.CreateTempSubdirectory("bench-supply-run-").FullName;
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["GITHUB_ACTIONS"] = "true";
        start.Environment["GITHUB_OUTPUT"] = Path.Combine(dir, "out");
        start.Environment["GITHUB_SERVER_URL"] = github.ServerUrl;
        start.Environment["GITHUB_API_URL"] = github.ServerUrl + "/api/v3";
        start.Environment["GITHUB_REPOSITORY"] = "acme/app";
        start.Environment["GITHUB_SHA"] = Sha;
        start.Environment["GITHUB_RUN_ID"] = "4242";
        start.Environment["INPUT_GITOPS-REPOSITORY"] = gitops;
        start.Environment["INPUT_GITOPS-TOKEN"] = Token;
        start.Environment["INPUT_TOKEN"] = Token;
        start.Environment["INPUT_MODE"] = "push";
        start.Environment["INPUT_DEPLOYMENT"] = "false";
        foreach (var (name, value) in inputs)
        {
            start.Environment["INPUT_" + name.ToUpperInvariant()] = value;
        }

        var registryBefore = Completed(registry) + Completed(secured);
        var tokensBefore = secured.Tokens.Requests.Count;
        var apiBefore = github.ApiRequests.ToList();
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var ms = sw.Elapsed.TotalMilliseconds;
        var api = github.ApiRequests.Skip(apiBefore.Count).ToList();
        Directory.Delete(dir, recursive: true);
        var sample = new Sample(ms, process.ExitCode, Completed(registry) + Completed(secured) - registryBefore, secured.Tokens.Requests.Count - tokensBefore, api.Count, api.Count(r => r.Contains("/attestations/", StringComparison.Ordinal)), output.Result + error);
        return sample.Exit == 0 ? sample : throw new InvalidOperationException($"{string.Join(", ", inputs.Select(i => i.Name))}: exit {sample.Exit}\n{sample.Output}");
    }

    /// <summary>
    /// Requests the registry has answered: distribution logs "response completed" (2xx, 3xx), "response completed with
    /// error" (4xx, 5xx past authorization) or "error authorizing context" (a 401 challenge) once per request.
    /// </summary>
    private static int Completed(RegistryFixture registry) =>
        File.Exists(registry.LogPath)
            ? File.ReadLines(registry.LogPath).Count(l => l.Contains("response completed", StringComparison.Ordinal) || l.Contains("error authorizing context", StringComparison.Ordinal))
            : 0;

    private static void Report(Dictionary<string, List<Sample>> samples, string baseline)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted[sorted.Count / 2];
        }

        var before = Median(samples[baseline].Select(s => s.Ms));
        var rows = new List<string[]> { new[] { "configuration", "wall (ms)", "added (ms)", "registry requests", "token-service requests", "GitHub API requests", "of which attestations" } };
        foreach (var (name, list) in samples)
        {
            var ms = Median(list.Select(s => s.Ms));
            rows.Add([name, ms.ToString("F0", Inv), (ms - before).ToString("+0;-0;0", Inv), Median(list.Select(s => (double)s.RegistryRequests)).ToString(Inv), Median(list.Select(s => (double)s.TokenRequests)).ToString(Inv), Median(list.Select(s => (double)s.GitHubRequests)).ToString(Inv), Median(list.Select(s => (double)s.AttestationRequests)).ToString(Inv)]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
        }
    }
}
