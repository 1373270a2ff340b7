using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using GitOpsDeploy.Prometheus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Analysis.Tests;

/// <summary>Answers the query client reads, straight from Prometheus's documented JSON (no network).</summary>
[Trait("Tier", "Unit")]
public sealed class PrometheusAnswerTests
{
    private const string Address = "http://prom:9090";

    [Theory]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"1"},"value":[1700000000.1,"0.5"]},{"metric":{"a":"2"},"value":[1700000000.1,"NaN"]}]}}""", false, new[] { 0.5, double.NaN })]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[]}}""", false, new double[0])]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]},{"metric":{},"value":[1,"-Inf"]}]}}""", false, new[] { double.PositiveInfinity, double.NegativeInfinity })]
    [InlineData("""{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"]]},{"metric":{},"values":[[1,"3"]]}]}}""", false, new[] { 1.0, 2, 3 })]
    [InlineData("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.25"]}}""", true, new[] { 0.25 })]
    [InlineData("""{"status":"success","data":{"resultType":"scalar","result":[1700000000,"1e-3"]},"warnings":["w"]}""", true, new[] { 0.001 })]
    public void Reads_vectors_matrices_and_scalars_keeping_nan_and_inf(string body, bool scalar, double[] values)
    {
        var result = HttpPrometheusQuery.Parse(Address, HttpStatusCode.OK, body);
        Assert.Equal(scalar, result.IsScalar);
        Assert.Equal(values, result.Values);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, """{"status":"error","errorType":"bad_data","error":"1:14: parse error: unclosed left parenthesis"}""", PrometheusQueryFailure.BadQuery, "Prometheus at http://prom:9090 rejected the query: 1:14: parse error: unclosed left parenthesis")]
    [InlineData((HttpStatusCode)422, """{"status":"error","errorType":"execution","error":"found duplicate series"}""", PrometheusQueryFailure.BadQuery, "Prometheus at http://prom:9090 could not run the query: found duplicate series")]
    [InlineData(HttpStatusCode.ServiceUnavailable, """{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}""", PrometheusQueryFailure.Timeout, "Prometheus at http://prom:9090 gave up on the query: query timed out in expression evaluation")]
    [InlineData(HttpStatusCode.Unauthorized, "Unauthorized\n", PrometheusQueryFailure.Unauthorized, "Prometheus at http://prom:9090 refused the request (HTTP 401): check the bearer token")]
    [InlineData(HttpStatusCode.Forbidden, """{"message":"forbidden"}""", PrometheusQueryFailure.Unauthorized, "Prometheus at http://prom:9090 refused the request (HTTP 403): check the bearer token")]
    [InlineData(HttpStatusCode.BadGateway, "<html>bad gateway</html>", PrometheusQueryFailure.BadResponse, "Prometheus at http://prom:9090 answered HTTP 502 with a body that is not Prometheus's JSON: <html>bad gateway</html>")]
    [InlineData(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"string","result":[1,"x"]}}""", PrometheusQueryFailure.BadResponse, "a string result is not a number")]
    [InlineData(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"histogram":[1,{}]}]}}""", PrometheusQueryFailure.BadResponse, "a native histogram?")]
    [InlineData(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"many"]}]}}""", PrometheusQueryFailure.BadResponse, "'many' is not a number")]
    [InlineData(HttpStatusCode.OK, """{"status":"success"}""", PrometheusQueryFailure.BadResponse, "answered HTTP 200 without a query result")]
    [InlineData(HttpStatusCode.OK, """{"status":"success","data":5}""", PrometheusQueryFailure.BadResponse, "answered HTTP 200 without a query result")]
    [InlineData(HttpStatusCode.OK, """[1,2]""", PrometheusQueryFailure.BadResponse, "answered HTTP 200 without a query result")]
    [InlineData(HttpStatusCode.OK, """{"status":"success","data":{"resultType":"scalar","result":5}}""", PrometheusQueryFailure.BadResponse, "a result this action cannot read")]
    public void Says_what_went_wrong_in_the_users_words(HttpStatusCode status, string body, PrometheusQueryFailure failure, string message)
    {
        var e = Assert.Throws<PrometheusQueryException>(() => HttpPrometheusQuery.Parse(Address, status, body));
        Assert.Equal(failure, e.Failure);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The client over real HTTP against a Kestrel stand-in: request shape, bearer token, timeout, cancellation, unreachable.</summary>
[Trait("Tier", "Adapter")]
public sealed class HttpPrometheusQueryTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Path, string Query, string Authorization)> requests = new();
    private WebApplication? app;
    private string url = string.Empty;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        app.MapGet("/prefix/api/v1/query", async (HttpContext context) =>
        {
            requests.Enqueue((context.Request.Path, context.Request.QueryString.Value ?? string.Empty, context.Request.Headers.Authorization.ToString()));
            if (context.Request.Query["query"] == "slow")
            {
                await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
            }

            if (context.Request.Headers.Authorization != "Bearer s3cret")
            {
                return Results.Text("Unauthorized", statusCode: 401);
            }

            return Results.Text("""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.97"]}]}}""", "application/json");
        });
        await app.StartAsync();
        url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/prefix/";
    }

    public async Task DisposeAsync()
    {
        await app!.StopAsync();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task Sends_the_query_the_time_and_the_bearer_token()
    {
        using var client = new HttpPrometheusQuery("s3cret");
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);

        var result = await client.QueryAsync(url, "sum(rate(x{code=~\"5..\"}[1m])) / 2", at, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(QueryResult.Vector(0.97), result);
        var request = Assert.Single(requests);
        Assert.Equal("/prefix/api/v1/query", request.Path);
        Assert.Equal("?query=sum%28rate%28x%7Bcode%3D~%225..%22%7D%5B1m%5D%29%29%20%2F%202&time=1700000000.25", request.Query);
        Assert.Equal("Bearer s3cret", request.Authorization);
    }

    [Fact]
    public async Task A_missing_token_is_refused_in_words()
    {
        using var client = new HttpPrometheusQuery();
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync(url, "up", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));
        Assert.Equal(PrometheusQueryFailure.Unauthorized, e.Failure);
        Assert.Equal(string.Empty, Assert.Single(requests).Authorization);
    }

    [Fact]
    public async Task A_slow_answer_is_a_timeout()
    {
        using var client = new HttpPrometheusQuery("s3cret");
        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync(url, "slow", DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(300), CancellationToken.None));
        Assert.Equal(PrometheusQueryFailure.Timeout, e.Failure);
        Assert.Equal($"Prometheus at {url} did not answer within 300ms", e.Message);
    }

    [Fact]
    public async Task Cancellation_is_not_mistaken_for_a_timeout()
    {
        using var client = new HttpPrometheusQuery("s3cret");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.QueryAsync(url, "slow", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30), cancel.Token));
    }

    [Fact]
    public async Task A_closed_port_is_unreachable()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var client = new HttpPrometheusQuery();

        var e = await Assert.ThrowsAsync<PrometheusQueryException>(() => client.QueryAsync($"http://127.0.0.1:{port}", "up", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None));

        Assert.Equal(PrometheusQueryFailure.Unreachable, e.Failure);
        Assert.StartsWith($"Prometheus at http://127.0.0.1:{port} is unreachable: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_runner_turns_an_unreachable_prometheus_into_errored_measurements_retried_until_the_limit()
    {
        using var client = new HttpPrometheusQuery();
        var spec = AnalysisTemplateParser.ParseMetrics("""
            - name: m
              consecutiveErrorLimit: 1
              successCondition: result[0] > 0
              provider: {prometheus: {address: "http://127.0.0.1:9", query: up}}
            """, "inline", options: new AnalysisOptions { ErrorRetryInterval = TimeSpan.FromMilliseconds(100) });
        var seen = new List<Measurement>();

        var step = await new PrometheusAnalysisRunner(client, TimeProvider.System).RunAsync(spec, (m, _) => seen.Add(m));

        Assert.Equal(AnalysisPhase.Error, step.Phase);
        Assert.Equal(2, seen.Count);
        Assert.All(seen, m => Assert.Equal(MeasurementPhase.Error, m.Phase));
        Assert.True(seen[1].StartedAt - seen[0].FinishedAt >= TimeSpan.FromMilliseconds(90));
        Assert.StartsWith("analysis errored on m: Prometheus at http://127.0.0.1:9 is unreachable", step.Result.Summary(), StringComparison.Ordinal);
    }
}
