using System.Net;
using System.Text;
using GitOpsDeploy.Editing;
using GitOpsDeploy.GitHub;
using Microsoft.Extensions.Logging.Abstractions;
using Octokit;

namespace GitOpsDeploy.Tests.GitHub;

/// <summary>
/// Rate limits are waited out between attempts of a call, outside Octokit's 100-second request timeout; the
/// HTTP handler retries 5xx only for requests that are safe to send twice.
/// </summary>
[Trait("Tier", "Adapter")]
public sealed class RateLimitAndRetryTests
{
    /// <summary>A clock whose delays are recorded and end at once: a five-minute wait takes no time.</summary>
    private sealed class RecordingTime : TimeProvider
    {
        public List<TimeSpan> Delays { get; } = [];

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            lock (Delays)
            {
                Delays.Add(dueTime);
            }

            return System.CreateTimer(callback, state, TimeSpan.Zero, period);
        }
    }

    private static ApiException Limited(HttpStatusCode status, params (string Name, string Value)[] headers) =>
        new(new Answer(status, headers.ToDictionary(h => h.Name, h => h.Value)));

    /// <summary>An HTTP answer as Octokit hands it to its exceptions.</summary>
    private sealed class Answer(HttpStatusCode status, IReadOnlyDictionary<string, string> headers) : IResponse
    {
        public object Body => "{\"message\":\"You have exceeded a secondary rate limit.\"}";

        public IReadOnlyDictionary<string, string> Headers => headers;

        public ApiInfo ApiInfo => null!;

        public HttpStatusCode StatusCode => status;

        public string ContentType => "application/json";
    }

    [Fact]
    public async Task A_wait_longer_than_octokits_request_timeout_is_waited_out_between_attempts()
    {
        var time = new RecordingTime();
        var gate = new RateLimitGate(time, NullLogger.Instance);
        var attempts = 0;

        var answer = await gate.RunAsync(() => ++attempts == 1 ? throw Limited(HttpStatusCode.Forbidden, ("Retry-After", "300")) : Task.FromResult("ok"), "commit", default);

        Assert.Equal("ok", answer);
        Assert.Equal(2, attempts);
        var wait = Assert.Single(time.Delays);
        Assert.InRange(wait, TimeSpan.FromSeconds(300), TimeSpan.FromSeconds(305));
    }

    [Fact]
    public async Task An_exhausted_quota_waits_until_its_reset_and_a_real_403_is_not_waited()
    {
        var time = new RecordingTime();
        var gate = new RateLimitGate(time, NullLogger.Instance);
        var reset = DateTimeOffset.UtcNow.AddSeconds(90).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var attempts = 0;

        await gate.RunAsync(() => ++attempts == 1 ? throw Limited(HttpStatusCode.Forbidden, ("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", reset)) : Task.FromResult(0), "read", default);
        Assert.InRange(Assert.Single(time.Delays), TimeSpan.FromSeconds(80), TimeSpan.FromSeconds(120));

        await Assert.ThrowsAsync<ApiException>(() => gate.RunAsync<int>(() => throw Limited(HttpStatusCode.Forbidden, ("x-ratelimit-remaining", "41")), "read", default));
        Assert.Single(time.Delays);
    }

    [Fact]
    public async Task Waits_stop_at_the_budget_and_an_octokit_timeout_is_an_error_in_our_words()
    {
        var time = new RecordingTime();
        var gate = new RateLimitGate(time, NullLogger.Instance) { Budget = TimeSpan.FromMinutes(10) };

        await Assert.ThrowsAsync<ApiException>(() => gate.RunAsync<int>(() => throw Limited(HttpStatusCode.TooManyRequests, ("Retry-After", "240")), "read", default));
        Assert.Equal(2, time.Delays.Count);

        var error = await Assert.ThrowsAsync<DeployException>(() => gate.RunAsync<int>(() => throw new TaskCanceledException("A task was canceled."), "create a deployment", default));
        Assert.Equal(ErrorKind.Transient, error.Kind);
        Assert.Equal("could not create a deployment: GitHub did not answer within 100 seconds", error.Message);
    }

    [Theory]
    [InlineData("GET", "/repos/acme/app/deployments", null, true)]
    [InlineData("PATCH", "/repos/acme/gitops/pulls/1", "{}", true)]
    [InlineData("PUT", "/repos/acme/gitops/pulls/1/merge", "{}", true)]
    [InlineData("POST", "/graphql", "{\"query\":\"query { viewer { login } }\"}", true)]
    [InlineData("POST", "/graphql", "{\"query\":\"  { viewer { login } }\"}", true)]
    [InlineData("POST", "/graphql", "{\"query\":\"mutation($i: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $i) { commit { oid } } }\"}", false)]
    [InlineData("POST", "/repos/acme/gitops/git/commits", "{}", true)]
    [InlineData("POST", "/repos/acme/gitops/issues/1/labels", "[]", true)]
    [InlineData("POST", "/repos/acme/app/deployments", "{}", false)]
    [InlineData("POST", "/repos/acme/app/deployments/1/statuses", "{}", false)]
    [InlineData("POST", "/repos/acme/gitops/pulls", "{}", false)]
    [InlineData("POST", "/repos/acme/gitops/issues/1/comments", "{}", false)]
    public void Only_requests_that_are_safe_to_send_twice_are_retried_on_a_5xx(string method, string path, string? body, bool repeatable)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "https://api.github.com" + path);

        Assert.Equal(repeatable, RetryHandler.Repeatable(request, body is null ? null : Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public async Task A_rate_limited_answer_goes_straight_back_to_the_caller_and_a_5xx_read_is_retried()
    {
        var answers = new Queue<HttpStatusCode>([HttpStatusCode.Forbidden, HttpStatusCode.BadGateway, HttpStatusCode.OK, HttpStatusCode.BadGateway]);
        var sent = 0;
        using var handler = new RetryHandler(new RecordingTime(), NullLogger.Instance)
        {
            InnerHandler = new Answering(() =>
            {
                sent++;
                var response = new HttpResponseMessage(answers.Dequeue());
                response.Headers.TryAddWithoutValidation("retry-after", "600");
                return response;
            }),
        };
        using var client = new HttpClient(handler);

        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("https://api.github.com/repos/a/b")).StatusCode);
        Assert.Equal(1, sent);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("https://api.github.com/repos/a/b")).StatusCode);
        Assert.Equal(3, sent);
        Assert.Equal(HttpStatusCode.BadGateway, (await client.PostAsync("https://api.github.com/repos/a/b/deployments", new StringContent("{}"))).StatusCode);
        Assert.Equal(4, sent);
    }

    private sealed class Answering(Func<HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(answer());
    }
}
