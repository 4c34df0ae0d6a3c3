using System.Net;
using System.Text.Json.Nodes;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// <c>streamattention ingest</c> serves what the silo serves for operations: Prometheus metrics at <c>/metrics</c> and
/// readiness at <c>/health/ready</c> that checks its Kafka and its connection to the cluster.
/// </summary>
public sealed class IngestProcessTests
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_ingest_process_serves_metrics_and_readiness_of_kafka_and_the_cluster()
    {
        using var silo = await SiloProcess.StartAsync("observed-silo");
        await using var kafka = Traffic.StartKafka();
        var port = LoopbackPort.Free();
        using var ingest = IngestHosts.StartProcess(silo, kafka, "observed", httpPort: port);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) }.Authorize(TestAuth.OperatorToken);

        var ready = await WaitUntilReadyAsync(http, ingest);

        Assert.Equal("Healthy", (string?)ready["checks"]!["kafka"]!["status"]);
        Assert.Equal("Healthy", (string?)ready["checks"]!["cluster"]!["status"]);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.Contains(PrometheusNames.Gauge(InstrumentNames.IngestConsumerLag), metrics);
        // Before any restart, at 0: an alert on its increase sees the first one.
        Assert.Matches($@"(?m)^{PrometheusNames.Counter(InstrumentNames.IngestRestarts)}(\{{[^}}]*\}})? 0( |$)", metrics);
        // /metrics is for operators; the probes are open.
        using var anonymous = new HttpClient { BaseAddress = http.BaseAddress, Timeout = http.Timeout };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        using var tenantAdmin = new HttpClient { BaseAddress = http.BaseAddress, Timeout = http.Timeout }.Authorize(TestAuth.Token(Roles.TenantAdmin, "acme", "admin"));
        Assert.Equal(HttpStatusCode.Forbidden, (await tenantAdmin.GetAsync("/metrics")).StatusCode);
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200 (the process starts, connects and subscribes first), within a deadline.</summary>
    private static async Task<JsonObject> WaitUntilReadyAsync(HttpClient http, ChildProcess ingest)
    {
        var deadline = DateTime.UtcNow + ReadyDeadline;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/health/ready");
                last = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return JsonNode.Parse(last)!.AsObject();
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(250);
        }
        ingest.Kill();
        throw new TimeoutException($"The ingest process was not ready within {ReadyDeadline}: {last}\n{await ingest.StandardErrorAsync()}");
    }
}
