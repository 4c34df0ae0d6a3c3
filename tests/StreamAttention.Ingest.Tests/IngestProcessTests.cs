using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Security;
using Xunit.Abstractions;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// <c>streamattention ingest</c> serves what the silo serves for operations: Prometheus metrics at <c>/metrics</c> and
/// readiness at <c>/health/ready</c> that checks its Kafka and its connection to the cluster.
/// </summary>
public sealed class IngestProcessTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task The_ingest_process_serves_metrics_and_readiness_of_kafka_and_the_cluster()
    {
        using var silo = await SiloProcess.StartAsync("observed-silo");
        await using var kafka = Traffic.StartKafka();
        var port = LoopbackPort.Free();
        using var ingest = IngestHosts.StartProcess(silo, kafka, "observed", httpPort: port);
        using var http = Operator(port);

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

    /// <summary>
    /// Two ingest processes in one consumer group; one is killed (SIGKILL) mid-stream, the survivor takes its partitions
    /// over, then is stopped (SIGTERM) and started again. Every message has its outcome, each match keeps one id wherever
    /// it was scored, the user's history holds each id once, and only the killed process's uncommitted work is scored
    /// again. The take-over time and what each process counted are written to the test's output.
    /// </summary>
    [Fact]
    public async Task One_of_two_ingest_processes_killed_mid_stream_loses_nothing_and_duplicates_no_users_match()
    {
        const int Third = 150;
        const string Group = "pair";
        using var silo = await SiloProcess.StartAsync("pair-silo");
        await Traffic.PutInterestsAsync(silo.Http);
        await using var kafka = Traffic.StartKafka();
        var (killedPort, survivorPort) = (LoopbackPort.Free(), LoopbackPort.Free());
        // The pipeline's own consumer settings, as deployed: its session bounds the take-over.
        using var killed = IngestHosts.StartProcess(silo, kafka, Group, httpPort: killedPort, testSessions: false);
        using var survivor = IngestHosts.StartProcess(silo, kafka, Group, httpPort: survivorPort, testSessions: false);
        using var killedHttp = Operator(killedPort);
        using var survivorHttp = Operator(survivorPort);
        await WaitUntilReadyAsync(killedHttp, killed);
        await WaitUntilReadyAsync(survivorHttp, survivor);

        // Both hold partitions (each has counted messages) before one dies with batches in flight: a slice at a time
        // until then, as the embedded Kafka's classic rebalance may hand the second its partitions late.
        const int Slice = 16;
        await Traffic.ProduceAsync(kafka, 0, Third);
        var produced = Third;
        var bothCounting = Stopwatch.StartNew();
        long countedByKilled;
        do
        {
            Assert.True(bothCounting.Elapsed < ReadyDeadline * 2, $"Both processes did not count messages within {ReadyDeadline * 2}.");
            await Traffic.ProduceAsync(kafka, produced, Slice);
            produced += Slice;
            await Task.Delay(200);
        }
        while ((countedByKilled = await MessagesCountedAsync(killedHttp)) == 0 || await MessagesCountedAsync(survivorHttp) == 0);
        output.WriteLine($"Both processes counted messages {bothCounting.Elapsed.TotalSeconds:F1} s after the first was produced");
        var producing = Traffic.ProduceAsync(kafka, produced, Third);
        produced += Third;
        // Killed once it has started on the new messages, so that batches of them are most likely in flight.
        var killedCounted = countedByKilled;
        while ((countedByKilled = await MessagesCountedAsync(killedHttp)) == killedCounted && !producing.IsCompleted)
        {
            await Task.Delay(10);
        }
        killed.Kill();
        var sinceKill = Stopwatch.StartNew();
        await producing;
        await OutputReader.WaitForAllCommittedAsync(kafka, Group);
        output.WriteLine($"Survivor committed every message {sinceKill.Elapsed.TotalSeconds:F1} s after the kill");
        var countedBySurvivor = await MessagesCountedAsync(survivorHttp);

        survivor.Terminate();
        Assert.Equal(0, await survivor.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        output.WriteLine($"Killed process's log: {await killed.StandardErrorAsync()}\nSurvivor's log: {await survivor.StandardErrorAsync()}");
        await Traffic.ProduceAsync(kafka, produced, Third);
        produced += Third;
        var restartedPort = LoopbackPort.Free();
        using var restarted = IngestHosts.StartProcess(silo, kafka, Group, httpPort: restartedPort, testSessions: false);
        using var restartedHttp = Operator(restartedPort);
        await OutputReader.WaitForAllCommittedAsync(kafka, Group);
        var countedByRestarted = await MessagesCountedAsync(restartedHttp);
        output.WriteLine($"Messages counted: killed {countedByKilled}+ (just before the kill), survivor {countedBySurvivor}, restarted {countedByRestarted}; {produced} produced");

        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        var matches = OutputReader.ReadMatches(kafka);
        // What a consumer that loses or hands on partitions had not committed is read again: the killed one's, and on the
        // embedded Kafka, which rejects commits while a classic group rebalances (even from the revoke handler), the first
        // process's when the second joined and the survivor's when the kill's rebalance revoked its partitions.
        var duplicates = OutputReader.AssertMatches(matches, produced, 3 * IngestHosts.MaxDuplicatesPerRestart);
        output.WriteLine($"{matches.Count} match records, {duplicates} published again");
        // One id per (message, user), wherever and however often it was scored, and the same decision each time.
        var byMatch = matches.GroupBy(m => (string)m["matchId"]!).ToList();
        Assert.Equal(Traffic.ExpectedMatches(produced).Count, byMatch.Count);
        Assert.All(byMatch, copies => Assert.Single(copies.Select(m => ((string)m["messageId"]!, (string)m["userId"]!, (string)m["delivery"]!)).Distinct()));
        Assert.DoesNotContain(matches, m => (string?)m["duplicateOf"] == (string)m["matchId"]!);
        foreach (var user in new[] { Traffic.DatabaseUser, Traffic.RacingUser })
        {
            var history = (await silo.Http.GetFromJsonAsync<JsonObject>($"/users/{user}/matches"))!["matches"]!.AsArray().Select(m => (string)m!["matchId"]!).ToList();
            Assert.NotEmpty(history);
            Assert.Equal(history.Count, history.Distinct().Count());
        }
        restarted.Terminate();
        Assert.Equal(0, await restarted.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("Unhandled exception", await restarted.StandardErrorAsync());
    }

    private static HttpClient Operator(int port) => new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) }.Authorize(TestAuth.OperatorToken);

    /// <summary>The process's message outcome counter, summed over outcomes (every message it scored, once per scoring).</summary>
    private static async Task<long> MessagesCountedAsync(HttpClient http)
        => Regex.Matches(await http.GetStringAsync("/metrics"), $@"(?m)^{PrometheusNames.Counter(InstrumentNames.IngestMessages)}(\{{[^}}]*\}})? (\d+)")
            .Sum(m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

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
