using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using GitOpsDeploy.Analysis;
using GitOpsDeploy.Prometheus;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GitOpsDeploy.Tests.Fakes;

/// <summary>
/// Shared by the analysis tests and the end-to-end metric analysis tests.
/// A small exporter in the test process (Kestrel, text exposition format) whose series the tests add, change and remove,
/// and a real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port scraping it every second, with its own
/// config and storage in a temporary directory. <see cref="Address"/> is null when prometheus is not installed.
/// </summary>
public sealed class RealPrometheus : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus";
    public const string SkipReason = "prometheus is not installed (tests/GitOpsDeploy.Analysis.Tests/install.sh installs it): real-Prometheus test skipped";

    private readonly ConcurrentDictionary<string, Func<double>> series = new();
    private readonly StringBuilder log = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private WebApplication? exporter;
    private Process? process;
    private string? directory;

    public string? Address { get; private set; }

    /// <summary>Prometheus's own output, for a failing test's message.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>Exports a gauge: <paramref name="line"/> is the series as written (name and labels).</summary>
    public void SetGauge(string line, double value) => series[line] = () => value;

    /// <summary>Exports a counter that grows by <paramref name="perSecond"/> from now on (0: a constant counter).</summary>
    public void SetCounter(string line, double perSecond, double start = 0)
    {
        var from = clock.Elapsed.TotalSeconds;
        series[line] = () => start + (perSecond * (clock.Elapsed.TotalSeconds - from));
    }

    /// <summary>Stops exporting a series: Prometheus marks it stale at its next scrape.</summary>
    public void Remove(string line) => series.TryRemove(line, out _);

    public async Task StartAsync()
    {
        if (!File.Exists(Binary))
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        exporter = builder.Build();
        exporter.MapGet("/metrics", () => Results.Text(Exposition(), "text/plain; version=0.0.4"));
        await exporter.StartAsync();
        var target = new Uri(exporter.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        directory = Directory.CreateTempSubdirectory("analysis-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: app
                static_configs:
                  - targets: ['127.0.0.1:{target.Port}']
            """);
        var port = FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        })
        {
            start.ArgumentList.Add(arg);
        }

        process = Process.Start(start) ?? throw new InvalidOperationException("prometheus did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Address = $"http://127.0.0.1:{port}";

        // Ready, and scraping the exporter: up == 1.
        using var query = new HttpPrometheusQuery();
        await WaitUntilAsync(query, "up{job=\"app\"}", r => r.Values.Count == 1 && r.Values[0] == 1, TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        if (exporter is not null)
        {
            await exporter.StopAsync();
            await exporter.DisposeAsync();
        }

        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Polls an instant query until <paramref name="until"/> holds (bounded), e.g. until rate() has two samples.</summary>
    public async Task<QueryResult> WaitUntilAsync(IPrometheusQuery query, string promql, Func<QueryResult, bool> until, TimeSpan? within = null)
    {
        var deadline = DateTimeOffset.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        string last = "no answer";
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (process is { HasExited: true })
            {
                throw new InvalidOperationException($"prometheus exited ({process.ExitCode}): {Log}");
            }

            try
            {
                var result = await query.QueryAsync(Address!, promql, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5), CancellationToken.None);
                if (until(result))
                {
                    return result;
                }

                last = result.ToString();
            }
            catch (PrometheusQueryException e)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"'{promql}' did not reach the expected answer (last: {last}); prometheus log: {Log}");
    }

    private string Exposition()
    {
        var text = new StringBuilder();
        foreach (var (line, value) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append(line).Append(' ').Append(QueryResult.FormatNumber(value())).Append('\n');
        }

        return text.ToString();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
