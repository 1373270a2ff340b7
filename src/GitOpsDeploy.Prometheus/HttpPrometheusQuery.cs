using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GitOpsDeploy.Analysis;

namespace GitOpsDeploy.Prometheus;

/// <summary>Why a Prometheus query gave no answer.</summary>
public enum PrometheusQueryFailure
{
    /// <summary>Prometheus refused the query (bad_data: a PromQL syntax error) or could not run it (execution).</summary>
    BadQuery,
    Unreachable,
    Timeout,

    /// <summary>HTTP 401 or 403: the bearer token is missing or wrong.</summary>
    Unauthorized,

    /// <summary>Anything else: an HTTP error from a proxy, a body that is not Prometheus's JSON, a string result.</summary>
    BadResponse,
}

/// <summary>A query that gave no answer, with a message in the user's words (Prometheus's own error text for a bad query).</summary>
public sealed class PrometheusQueryException(PrometheusQueryFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public PrometheusQueryFailure Failure { get; } = failure;
}

/// <summary>Runs a PromQL instant query.</summary>
public interface IPrometheusQuery
{
    /// <summary>
    /// Evaluates <paramref name="query"/> at <paramref name="time"/>. Throws <see cref="PrometheusQueryException"/> when there is no
    /// answer within <paramref name="timeout"/>, and <see cref="OperationCanceledException"/> only when
    /// <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    Task<QueryResult> QueryAsync(string address, string query, DateTimeOffset time, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>
/// Prometheus's HTTP API: <c>GET {address}/api/v1/query?query=...&amp;time=...</c>. A vector answer becomes the list of its
/// samples' values, a matrix the values of every sample of every series (as Argo Rollouts flattens them), a scalar a scalar;
/// NaN and ±Inf are kept. A bearer token, when given, goes in the Authorization header of every request.
/// </summary>
public sealed class HttpPrometheusQuery : IPrometheusQuery, IDisposable
{
    private readonly HttpClient http;
    private readonly string? bearerToken;

    public HttpPrometheusQuery(string? bearerToken = null, HttpMessageHandler? handler = null)
    {
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.Timeout = Timeout.InfiniteTimeSpan;
        this.bearerToken = string.IsNullOrEmpty(bearerToken) ? null : bearerToken;
    }

    public async Task<QueryResult> QueryAsync(string address, string query, DateTimeOffset time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(query);
        var at = (time.ToUnixTimeMilliseconds() / 1000m).ToString("0.###", CultureInfo.InvariantCulture);
        var url = $"{address.TrimEnd('/')}/api/v1/query?query={Uri.EscapeDataString(query)}&time={at}";
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (bearerToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        string body;
        HttpStatusCode status;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrometheusQueryException(PrometheusQueryFailure.Timeout, $"Prometheus at {address} did not answer within {GoDuration.Format(timeout)}");
        }
        catch (HttpRequestException e)
        {
            throw new PrometheusQueryException(PrometheusQueryFailure.Unreachable, $"Prometheus at {address} is unreachable: {e.Message}", e);
        }

        return Parse(address, status, body);
    }

    public void Dispose() => http.Dispose();

    /// <summary>Reads an /api/v1/query answer (exposed for tests of odd bodies).</summary>
    public static QueryResult Parse(string address, HttpStatusCode status, string body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            throw status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                ? new PrometheusQueryException(PrometheusQueryFailure.Unauthorized, $"Prometheus at {address} refused the request (HTTP {(int)status}): check the bearer token")
                : new PrometheusQueryException(PrometheusQueryFailure.BadResponse, $"Prometheus at {address} answered HTTP {(int)status} with a body that is not Prometheus's JSON: {Snippet(body)}");
        }

        using (document)
        {
            var root = document.RootElement;
            var state = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var s) ? s.GetString() : null;
            if (state == "error")
            {
                var errorType = root.TryGetProperty("errorType", out var t) ? t.GetString() : null;
                var error = root.TryGetProperty("error", out var e) ? e.GetString() : null;
                throw errorType switch
                {
                    "bad_data" => new PrometheusQueryException(PrometheusQueryFailure.BadQuery, $"Prometheus at {address} rejected the query: {error}"),
                    "execution" => new PrometheusQueryException(PrometheusQueryFailure.BadQuery, $"Prometheus at {address} could not run the query: {error}"),
                    "timeout" or "canceled" => new PrometheusQueryException(PrometheusQueryFailure.Timeout, $"Prometheus at {address} gave up on the query: {error}"),
                    _ => new PrometheusQueryException(PrometheusQueryFailure.BadResponse, $"Prometheus at {address} answered an error ({errorType}): {error}"),
                };
            }

            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new PrometheusQueryException(PrometheusQueryFailure.Unauthorized, $"Prometheus at {address} refused the request (HTTP {(int)status}): check the bearer token");
            }

            if (state != "success" || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("resultType", out var type) || !data.TryGetProperty("result", out var result))
            {
                throw new PrometheusQueryException(PrometheusQueryFailure.BadResponse, $"Prometheus at {address} answered HTTP {(int)status} without a query result: {Snippet(body)}");
            }

            try
            {
                return type.GetString() switch
                {
                    "scalar" => QueryResult.Scalar(Sample(result)),
                    "vector" => QueryResult.Vector(result.EnumerateArray().Select(series => series.TryGetProperty("value", out var v)
                        ? Sample(v)
                        : throw new FormatException("a sample without a float value (a native histogram?) cannot be compared"))),
                    "matrix" => QueryResult.Vector(result.EnumerateArray().SelectMany(series => series.TryGetProperty("values", out var values)
                        ? values.EnumerateArray().Select(Sample)
                        : throw new FormatException("a series without float values (a native histogram?) cannot be compared"))),
                    var other => throw new FormatException($"a {other} result is not a number; conditions need a scalar, a vector or a matrix"),
                };
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or KeyNotFoundException or IndexOutOfRangeException)
            {
                throw new PrometheusQueryException(PrometheusQueryFailure.BadResponse, $"Prometheus at {address} answered a result this action cannot read: {e.Message}", e);
            }
        }
    }

    /// <summary>A [timestamp, "value"] pair; Prometheus spells the specials NaN, +Inf and -Inf.</summary>
    private static double Sample(JsonElement pair)
    {
        var text = pair[1].GetString() ?? throw new FormatException("a sample without a value");
        return text switch
        {
            "NaN" => double.NaN,
            "+Inf" or "Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : throw new FormatException($"'{text}' is not a number"),
        };
    }

    private static string Snippet(string body)
    {
        var text = body.Trim().ReplaceLineEndings(" ");
        return text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");
    }
}
