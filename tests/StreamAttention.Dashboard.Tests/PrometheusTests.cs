using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A real Prometheus (Debian package <c>prometheus</c>) scrapes the silo's <c>/metrics</c> and answers queries for
/// StreamAttention's and Orleans' metrics.
/// </summary>
[Collection(DashboardCollection.Name)]
public sealed class PrometheusTests(SiloHostFixture host) : IDisposable
{
    private const string PrometheusPath = "/usr/bin/prometheus";

    /// <summary>Query polls: Prometheus scrapes every second; the bound only stops a scrape that never works.</summary>
    private const int QueryPolls = 240;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("streamattention-prometheus-");

    [Fact]
    public async Task Prometheus_scrapes_streamattention_and_orleans_metrics()
    {
        Assert.True(File.Exists(PrometheusPath), $"{PrometheusPath} is missing: install the Debian package 'prometheus'");
        var port = LoopbackPort.Free();
        var config = Path.Combine(_directory.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: streamattention
                metrics_path: /metrics
                authorization:
                  credentials: {TestAuth.OperatorToken}
                static_configs:
                  - targets: ["127.0.0.1:{host.Port}"]
            """);
        using var prometheus = ChildProcess.Start(PrometheusPath, $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory.FullName, "data")}",
            $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn");
        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        (await host.Http.PutAsJsonAsync("/users/prometheus-user/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage } })).EnsureSuccessStatusCode();
        await host.ScoreFromTheStreamAsync("prometheus-user", Texts.DatabaseMessage);

        var pairs = await QueryUntilAsync(api, PrometheusNames.Counter(InstrumentNames.ScoringPairs), r => Value(r) >= 1, prometheus);
        Assert.Equal("streamattention", (string?)pairs[0]!["metric"]!["job"]);
        await QueryUntilAsync(api, PrometheusNames.Counter(InstrumentNames.GatewayMessages), r => Value(r) >= 1, prometheus);
        await QueryUntilAsync(api, PrometheusNames.Counter(InstrumentNames.GatewayRequestTexts), r => Value(r) >= 1, prometheus);
        var model = await QueryUntilAsync(api, PrometheusNames.Gauge(InstrumentNames.ModelInfo), r => r.Count > 0, prometheus);
        Assert.Equal("CPU", (string?)model[0]!["metric"]!["execution_provider"]);
        Assert.Equal("glove-6b-100d", (string?)model[0]!["metric"]!["model"]);
        await QueryUntilAsync(api, "orleans_catalog_activation_created_total", r => r.Count > 0, prometheus);
    }

    [Fact]
    public async Task Metrics_name_their_service()
    {
        var metrics = await host.Http.GetStringAsync("/metrics");

        // Not "unknown_service:testhost" (the process's name), which is what they said without it.
        Assert.Contains("service_name=\"streamattention\"", metrics);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static double Value(JsonArray result) => result.Sum(r => double.Parse((string)r!["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Queries until the result satisfies <paramref name="done"/> (Prometheus starting, scrapes pending), at most <see cref="QueryPolls"/> times.</summary>
    private static async Task<JsonArray> QueryUntilAsync(HttpClient api, string query, Func<JsonArray, bool> done, ChildProcess prometheus)
    {
        JsonArray last = [];
        for (var poll = 0; poll < QueryPolls; poll++)
        {
            try
            {
                var response = await api.GetFromJsonAsync<JsonObject>($"/api/v1/query?query={Uri.EscapeDataString(query)}");
                last = response!["data"]!["result"]!.AsArray();
                if (done(last))
                {
                    return last;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(PollInterval);
        }
        prometheus.Terminate();
        Assert.Fail($"Prometheus never answered '{query}' as expected; last result {last.ToJsonString()}; its log: {await prometheus.StandardErrorAsync()}");
        return last;
    }
}
