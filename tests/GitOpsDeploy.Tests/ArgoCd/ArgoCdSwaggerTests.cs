using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;
using GitOpsDeploy.ArgoCd;
using GitOpsDeploy.Editing;
using GitOpsDeploy.Tests.App;
using GitOpsDeploy.Tests.Fakes;

namespace GitOpsDeploy.Tests.ArgoCd;

/// <summary>
/// The fake Argo CD against Argo CD's published API description (assets/swagger.json of argoproj/argo-cd, trimmed to
/// the operations we call, see argocd-swagger.json's x-gitops-deploy-source): every request HttpArgoCd sends is an
/// operation there with parameters it declares, every answer the fake gives is the schema of that operation's
/// response (200, or runtimeError for the others) with no field the schema lacks, no value of another type and no
/// null (Argo CD leaves unset fields out), and every field the adapter reads is one the schema has.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class ArgoCdSwaggerTests
{
    /// <summary>
    /// Not in the swagger: Argo CD's API gateway filters the answer to these dotted paths itself
    /// (pkg/apiclient/application/forwarder_overwrite.go, parseFieldSelection); each path is checked against the schema instead.
    /// </summary>
    private const string FieldSelection = "fields";

    private static readonly JsonObject Swagger = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(ConventionTests.RepoRoot(), "tests", "GitOpsDeploy.Tests", "ArgoCd", "argocd-swagger.json")))!;

    private static JsonObject Definitions => Swagger["definitions"]!.AsObject();

    [Fact]
    public async Task Every_request_of_the_adapter_and_every_answer_of_the_fake_is_in_argo_cds_api_description()
    {
        await using var argo = await FakeArgoCd.StartAsync();
        argo.Source("app-staging", "https://github.com/acme/gitops.git", "environments/staging");
        argo.Script("app-staging", n => n == 0
            ? new ArgoState("OutOfSync", new string('a', 40), "Progressing", "Waiting for rollout", "Running", "syncing")
            : new ArgoState("Synced", new string('b', 40), "Degraded", "Back-off restarting failed container", "Failed", "one or more objects failed to apply"));
        argo.Script("app-production", _ => new ArgoState("Unknown", null, "Missing"));
        using (var adapter = new HttpArgoCd(argo.Url, argo.Token, insecure: false))
        {
            Assert.Equal(2, (await adapter.ListAsync(default)).Count);
            Assert.Equal("Progressing", (await adapter.GetAsync("app-staging", refresh: true, default)).Health);
            Assert.Equal("one or more objects failed to apply", (await adapter.GetAsync("app-staging", refresh: false, default)).OperationMessage);
            Assert.Equal("Missing", (await adapter.GetAsync("app-production", refresh: false, default)).Health);
            Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<DeployException>(() => adapter.GetAsync("app-unknown", refresh: true, default))).Kind);
            argo.ListFailsWith = 503;
            Assert.Equal(ErrorKind.Transient, (await Assert.ThrowsAsync<DeployException>(() => adapter.ListAsync(default))).Kind);
        }

        using (var refused = new HttpArgoCd(argo.Url, "not-the-token", insecure: false))
        {
            Assert.Equal(ErrorKind.AuthenticationFailed, (await Assert.ThrowsAsync<DeployException>(() => refused.GetAsync("app-staging", refresh: true, default))).Kind);
            Assert.Equal(ErrorKind.AuthenticationFailed, (await Assert.ThrowsAsync<DeployException>(() => refused.ListAsync(default))).Kind);
        }

        var exchanges = argo.Exchanges.ToList();
        var problems = exchanges.SelectMany(Problems).ToList();

        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.Equal(8, exchanges.Count);
        Assert.Equal([200, 401, 404, 503], exchanges.Select(e => e.Status).Distinct().Order());
    }

    [Fact]
    public async Task The_manifests_call_and_each_of_its_answers_are_in_argo_cds_api_description()
    {
        var repository = Directory.CreateTempSubdirectory("argocd-swagger-repo-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(repository, "environments", "staging"));
            File.WriteAllText(Path.Combine(repository, "environments", "staging", "kustomization.yaml"), "resources:\n- config.yaml\n");
            File.WriteAllText(Path.Combine(repository, "environments", "staging", "config.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  level: info\n");
            var revision = Git(repository, "init", "--quiet") + Git(repository, "add", ".") + Git(repository, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "one") + Git(repository, "rev-parse", "HEAD");

            await using var argo = await FakeArgoCd.StartAsync();
            argo.Source("app-staging", "https://github.com/acme/gitops.git", "environments/staging", repository);
            argo.Script("app-staging", _ => new ArgoState("Synced", revision.Trim(), "Healthy"));
            argo.Script("app-elsewhere", _ => new ArgoState("Synced", revision.Trim(), "Healthy"));
            using (var adapter = new HttpArgoCd(argo.Url, argo.Token, insecure: false))
            {
                var rendered = await adapter.ManifestsAsync("app-staging", revision.Trim(), default);
                Assert.Contains("\"kind\":\"ConfigMap\"", Assert.Single(rendered.Manifests), StringComparison.Ordinal);
                Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<DeployException>(() => adapter.ManifestsAsync("app-unknown", "HEAD", default))).Kind);
                await Assert.ThrowsAsync<DeployException>(() => adapter.ManifestsAsync("app-elsewhere", "HEAD", default));
                argo.ManifestsFailWith = 503;
                Assert.Equal(ErrorKind.Transient, (await Assert.ThrowsAsync<DeployException>(() => adapter.ManifestsAsync("app-staging", "HEAD", default))).Kind);
            }

            using (var refused = new HttpArgoCd(argo.Url, "not-the-token", insecure: false))
            {
                Assert.Equal(ErrorKind.AuthenticationFailed, (await Assert.ThrowsAsync<DeployException>(() => refused.ManifestsAsync("app-staging", "HEAD", default))).Kind);
            }

            var exchanges = argo.Exchanges.Where(e => e.Path.EndsWith("/manifests", StringComparison.Ordinal)).ToList();
            var problems = exchanges.SelectMany(Problems).ToList();

            Assert.True(problems.Count == 0, string.Join('\n', problems));
            Assert.Equal(5, exchanges.Count);
            Assert.Equal([200, 401, 404, 500, 503], exchanges.Select(e => e.Status).Distinct().Order());
        }
        finally
        {
            foreach (var file in Directory.EnumerateFiles(repository, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(repository, recursive: true);
        }
    }

    private static string Git(string directory, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
        return output;
    }

    [Fact]
    public void Every_field_the_adapter_reads_is_in_argo_cds_api_description()
    {
        // What HttpArgoCd reads from each answer (keep in step with it): a field Argo CD does not have would always read as null.
        string[] list = ["items.metadata.name", "items.spec.source.repoURL", "items.spec.source.path", "items.spec.sources.repoURL", "items.spec.sources.path"];
        string[] application = ["status.sync.status", "status.sync.revision", "status.health.status", "status.health.message", "status.operationState.phase", "status.operationState.message"];

        string[] manifests = ["manifests", "revision"];

        Assert.Empty(list.Where(p => !HasPath("v1alpha1ApplicationList", p)).Concat(application.Where(p => !HasPath("v1alpha1Application", p)))
            .Concat(manifests.Where(p => !HasPath("repositoryManifestResponse", p))));
    }

    [Fact]
    public void The_check_finds_an_invented_field_a_renamed_one_a_wrong_type_a_null_and_an_unknown_path()
    {
        var good = """{"metadata":{"name":"a"},"status":{"sync":{"status":"Synced","revision":"abc"},"health":{"status":"Healthy"}}}""";
        var problems = new[]
        {
            new ArgoExchange("GET", "/api/v1/applications/a", "?refresh=normal", 200, good),
            new ArgoExchange("GET", "/api/v1/applications/a", string.Empty, 200, good.Replace("\"revision\"", "\"revison\"", StringComparison.Ordinal)),
            new ArgoExchange("GET", "/api/v1/applications/a", string.Empty, 200, good.Replace("\"Healthy\"", "3", StringComparison.Ordinal)),
            new ArgoExchange("GET", "/api/v1/applications/a", string.Empty, 200, good.Replace("\"abc\"", "null", StringComparison.Ordinal)),
            new ArgoExchange("GET", "/api/v1/applications/a", "?refresh=normal&cacheOnly=true", 200, good),
            new ArgoExchange("GET", "/api/v1/applications", "?fields=items.metadata.nom", 200, """{"items":[]}"""),
            new ArgoExchange("GET", "/api/v1/applications/a/sync", string.Empty, 200, "{}"),
            new ArgoExchange("GET", "/api/v1/applications/a", string.Empty, 404, """{"error":"not found","code":"5"}"""),
        }.Select(e => Problems(e).ToList()).ToList();

        Assert.Empty(problems[0]);
        Assert.Equal(["GET /api/v1/applications/a (200): status.sync.revison: v1alpha1SyncStatus has no field 'revison'"], problems[1]);
        Assert.Equal(["GET /api/v1/applications/a (200): status.health.status: 3 is not a string"], problems[2]);
        Assert.Equal(["GET /api/v1/applications/a (200): status.sync.revision: null (Argo CD leaves unset fields out)"], problems[3]);
        Assert.Equal(["GET /api/v1/applications/a: ApplicationService_Get has no query parameter 'cacheOnly'"], problems[4]);
        Assert.Equal(["GET /api/v1/applications: fields=items.metadata.nom is not in v1alpha1ApplicationList"], problems[5]);
        Assert.Equal(["GET /api/v1/applications/a/sync: no such operation in Argo CD's API"], problems[6]);
        Assert.Equal(["GET /api/v1/applications/a (404): code: \"5\" is not an integer"], problems[7]);
    }

    /// <summary>What is wrong with one request and its answer, measured against the swagger.</summary>
    private static IEnumerable<string> Problems(ArgoExchange exchange)
    {
        var request = $"{exchange.Method} {exchange.Path}";
        var operation = Swagger["paths"]!.AsObject()
            .Where(p => Regex.IsMatch(exchange.Path, "^" + Regex.Replace(Regex.Escape(p.Key), @"\\\{[^}]+}", "[^/]+") + "$"))
            .Select(p => p.Value![exchange.Method.ToLowerInvariant()]).OfType<JsonObject>().FirstOrDefault();
        if (operation is null)
        {
            yield return $"{request}: no such operation in Argo CD's API";
            yield break;
        }

        var parameters = (operation["parameters"]?.AsArray() ?? []).OfType<JsonObject>().Where(p => p["in"]?.GetValue<string>() == "query")
            .ToDictionary(p => p["name"]!.GetValue<string>(), p => p, StringComparer.Ordinal);
        var query = HttpUtility.ParseQueryString(exchange.Query);
        foreach (var name in query.AllKeys.OfType<string>())
        {
            if (name == FieldSelection)
            {
                var answered = operation["responses"]!["200"]!["schema"]!["$ref"]!.GetValue<string>()["#/definitions/".Length..];
                foreach (var path in query[name]!.Split(',').Where(p => !HasPath(answered, p)))
                {
                    yield return $"{request}: {FieldSelection}={path} is not in {answered}";
                }
            }
            else if (!parameters.TryGetValue(name, out var parameter))
            {
                yield return $"{request}: {operation["operationId"]} has no query parameter '{name}'";
            }
            else if (parameter["type"]?.GetValue<string>() == "boolean" && query[name] is not ("true" or "false"))
            {
                yield return $"{request}: {name}={query[name]} is not a boolean";
            }
        }

        var responses = operation["responses"]!.AsObject();
        var response = responses[exchange.Status.ToString(CultureInfo.InvariantCulture)] ?? responses["default"];
        if (response?["schema"] is not JsonObject expected)
        {
            yield return $"{request}: Argo CD's API describes no {exchange.Status} answer";
            yield break;
        }

        var problems = new List<string>();
        Check(JsonNode.Parse(exchange.Body), expected, string.Empty, problems);
        foreach (var problem in problems)
        {
            yield return $"{request} ({exchange.Status}): {problem}";
        }
    }

    /// <summary>A value against a swagger schema: objects field by field (a field the schema lacks is invented), arrays item by item, scalars by type.</summary>
    private static void Check(JsonNode? value, JsonObject schema, string at, List<string> problems)
    {
        schema = Resolve(schema);
        var type = schema["type"]?.GetValue<string>() ?? (schema["properties"] is not null ? "object" : null);
        switch (value)
        {
            case null:
                problems.Add($"{at}: null (Argo CD leaves unset fields out)");
                return;
            case JsonObject obj when type is "object":
                var properties = schema["properties"] as JsonObject;
                foreach (var (name, field) in obj)
                {
                    var where = at.Length == 0 ? name : $"{at}.{name}";
                    if (properties?[name] is JsonObject property)
                    {
                        Check(field, property, where, problems);
                    }
                    else if (schema["additionalProperties"] is JsonObject additional)
                    {
                        Check(field, additional, where, problems);
                    }
                    else if (properties is not null || schema["additionalProperties"] is null)
                    {
                        problems.Add($"{where}: {Title(schema)} has no field '{name}'");
                    }
                }

                return;
            case JsonArray array when type is "array":
                for (var i = 0; i < array.Count; i++)
                {
                    Check(array[i], schema["items"]!.AsObject(), $"{at}[{i}]", problems);
                }

                return;
            case JsonValue scalar when type is "string" && scalar.TryGetValue<string>(out var text):
                if (schema["format"]?.GetValue<string>() == "date-time" && !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
                {
                    problems.Add($"{at}: '{text}' is not a date-time");
                }

                return;
            case JsonValue scalar when type is "integer" && scalar.TryGetValue<long>(out _):
            case JsonValue scalar2 when type is "number" && scalar2.TryGetValue<double>(out _):
            case JsonValue scalar3 when type is "boolean" && scalar3.TryGetValue<bool>(out _):
                return;
            default:
                problems.Add($"{at}: {value.ToJsonString()} is not {Article(type)}");
                return;
        }
    }

    /// <summary>Whether a dotted path (arrays stepped through) leads somewhere in a definition.</summary>
    private static bool HasPath(string definition, string path)
    {
        var schema = Resolve(Definitions[definition]!.AsObject());
        foreach (var part in path.Split('.'))
        {
            while (schema["type"]?.GetValue<string>() == "array")
            {
                schema = Resolve(schema["items"]!.AsObject());
            }

            if (schema["properties"]?[part] is not JsonObject next)
            {
                return false;
            }

            schema = Resolve(next);
        }

        return true;
    }

    private static JsonObject Resolve(JsonObject schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference ? Resolve(Definitions[reference["#/definitions/".Length..]]!.AsObject()) : schema;

    /// <summary>The definition's name, for messages.</summary>
    private static string Title(JsonObject schema) => Definitions.FirstOrDefault(d => ReferenceEquals(d.Value, schema)).Key ?? "the schema";

    private static string Article(string? type) => type switch
    {
        "integer" => "an integer",
        "object" => "an object",
        "array" => "an array",
        null => "anything",
        _ => $"a {type}",
    };
}
