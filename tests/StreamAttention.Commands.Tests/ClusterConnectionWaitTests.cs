using Microsoft.Extensions.DependencyInjection;
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
        var wait = new ClusterConnectionWait("the silo's gateway at 127.0.0.1:30000 (Cluster:GatewayPort)", factory.CreateLogger<ClusterConnectionWait>(), time);
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

    /// <summary>Orleans' own filter waited as long, with no line of its own: only its connection manager's stacks, naming an address.</summary>
    [Fact]
    public void The_ingest_waits_for_its_cluster_through_it()
    {
        var builder = IngestHost.CreateBuilder(["--Auth:Enabled=false", "--Cluster:GatewayPort=30001"]);
        using var app = builder.Build();

        Assert.IsType<ClusterConnectionWait>(app.Services.GetRequiredService<IClientConnectionRetryFilter>());
    }
}
