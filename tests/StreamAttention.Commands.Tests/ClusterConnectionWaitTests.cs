using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>The standalone ingest waiting for its cluster's silos (<see cref="ClusterConnectionWait"/>).</summary>
public sealed class ClusterConnectionWaitTests
{
    [Fact]
    public async Task An_ingest_without_silos_says_what_it_waits_for_and_how_long_at_a_bounded_interval()
    {
        using var logs = new RecordingLoggerProvider();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(logs));
        var time = new FakeTimeProvider();
        var wait = new ClusterConnectionWait("the silo's gateway at 127.0.0.1:30000 (Cluster:GatewayPort)", null, factory.CreateLogger<ClusterConnectionWait>(), time);
        var refused = new Orleans.Runtime.SiloUnavailableException("Could not find any gateway");

        // 40 s of refused tries: a warning at the first, the next once 30 s have passed since it.
        while (time.GetUtcNow() - time.Start < TimeSpan.FromSeconds(40))
        {
            var retrying = wait.ShouldRetryConnectionAttempt(refused, CancellationToken.None);
            while (!retrying.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
            Assert.True(await retrying);
        }

        var warnings = logs.Logs.Where(log => log.Level == LogLevel.Warning).Select(log => log.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.StartsWith("Waiting for the silo's gateway at 127.0.0.1:30000 (Cluster:GatewayPort): none answered in 0 s (1 tries; the last: Could not find any gateway)", warnings[0]);
        Assert.Matches(@"none answered in 3\d s \(\d+ tries;", warnings[1]);
    }

    [Fact]
    public async Task An_ingest_with_a_limit_on_its_wait_gives_up_as_it_passes_saying_what_it_waited_for_and_how_long()
    {
        using var factory = LoggerFactory.Create(_ => { });
        var time = new FakeTimeProvider();
        var wait = new ClusterConnectionWait("the silo's gateway at 127.0.0.1:30000 (Cluster:GatewayPort)", TimeSpan.FromMinutes(1), factory.CreateLogger<ClusterConnectionWait>(), time);
        var refused = new Orleans.Runtime.SiloUnavailableException("Could not find any gateway");

        UnreachableDependencyException? gaveUp = null;
        while (gaveUp is null)
        {
            var retrying = wait.ShouldRetryConnectionAttempt(refused, CancellationToken.None);
            while (!retrying.IsCompleted)
            {
                time.Advance(TimeSpan.FromSeconds(1));
            }
            try
            {
                Assert.True(await retrying);
            }
            catch (UnreachableDependencyException e)
            {
                gaveUp = e;
            }
        }

        // The pause before the last try ends as the limit passes (tries at 0, 1, 3, …, 55 and 60 s).
        Assert.Equal(TimeSpan.FromMinutes(1), time.GetUtcNow() - time.Start);
        Assert.Equal("No silo answered: waited 60 s for the silo's gateway at 127.0.0.1:30000 (Cluster:GatewayPort), past Cluster:MaxWaitForSilo "
            + "(00:01:00; 12 tries; the last: Could not find any gateway)", UnreachableDependencyException.Describe(gaveUp));
    }

    [Fact]
    public async Task An_ingest_whose_wait_passes_its_limit_stops_as_unavailable()
    {
        await using var app = IngestHost.Build(IngestHost.CreateBuilder(
            ["--Auth:Enabled=false", $"--Cluster:GatewayPort={LoopbackPort.Free()}", "--Cluster:MaxWaitForSilo=00:00:01", $"--Ingest:BootstrapServers=127.0.0.1:{LoopbackPort.Free()}"],
            $"http://127.0.0.1:{LoopbackPort.Free()}"));

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.StartsWith("No silo answered: waited ", UnreachableDependencyException.Describe(error));
        await app.StopAsync();
    }

    [Fact]
    public void A_limit_below_a_second_is_refused_at_start()
    {
        var error = Assert.ThrowsAny<Exception>(() => IngestHost.CreateBuilder(["--Auth:Enabled=false", "--Cluster:MaxWaitForSilo=00:00:00"]));

        Assert.Contains("MaxWaitForSilo", ConfigurationErrors.Describe(error));
    }

    [Fact]
    public async Task An_ingest_waiting_for_its_silo_answers_its_probes_saying_what_it_waits_for()
    {
        var gateway = LoopbackPort.Free();
        var urls = $"http://127.0.0.1:{LoopbackPort.Free()}";
        await using var app = IngestHost.Build(IngestHost.CreateBuilder(
            ["--Auth:Enabled=false", $"--Cluster:GatewayPort={gateway}", $"--Ingest:BootstrapServers=127.0.0.1:{LoopbackPort.Free()}"], urls));
        var starting = app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(urls) };

        // Polled until the web server listens and the first try has failed; without a silo the start never ends.
        using var live = await Eventually.SucceedsAsync(() => http.GetAsync("/health/live"));
        var cluster = await Eventually.SucceedsAsync(async () =>
        {
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            var check = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["cluster"]!;
            Assert.StartsWith("Waiting for", (string?)check["description"]);
            return check;
        });

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Unhealthy", (string?)cluster["status"]);
        Assert.Matches($@"^Waiting for the silo's gateway at 127\.0\.0\.1:{gateway} \(Cluster:GatewayPort\): none answered in \d+ s$", (string?)cluster["description"]);
        Assert.False(starting.IsCompleted);
        app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => starting);
        await app.StopAsync();
    }

    /// <summary>Orleans' own filter waited as long, with no line of its own: only its connection manager's stacks, naming an address.</summary>
    [Fact]
    public void The_ingest_waits_for_its_cluster_through_it()
    {
        var builder = IngestHost.CreateBuilder(["--Auth:Enabled=false", "--Cluster:GatewayPort=30001"]);
        using var app = builder.Build();

        Assert.IsType<ClusterConnectionWait>(app.Services.GetRequiredService<IClientConnectionRetryFilter>());
    }
}
