using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>The pipeline under test: in this process through the test cluster's client, or as <c>streamattention ingest</c>.</summary>
public static class IngestHosts
{
    /// <summary>Small batches, so a test's few hundred messages make many batches and faults land between them.</summary>
    public const int MaxBatchSize = 16;
    public const int MaxInFlightBatches = 4;

    /// <summary>
    /// At most what was published but not committed when a consumer died: its in-flight batches and the one that
    /// finished since the last commit (the loop commits after each poll and starts at most one batch per poll).
    /// </summary>
    public const int MaxDuplicatesPerRestart = MaxBatchSize * (MaxInFlightBatches + 1);

    /// <param name="time">The ingest's clock; null: the system's.</param>
    public static IHost Start(IGrainFactory grains, EmbeddedKafkaCluster kafka, string groupId, Action<KafkaIngestOptions>? configure = null, TimeProvider? time = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }
        var log = new IngestLog();
        builder.Logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(log);
        builder.Services.AddSingleton(grains);
        builder.Services.AddKafkaIngest(options =>
        {
            options.BootstrapServers = kafka.BootstrapServers;
            options.GroupId = groupId;
            options.MaxBatchSize = MaxBatchSize;
            options.MaxInFlightBatches = MaxInFlightBatches;
            options.MaxBatchWait = TimeSpan.FromMilliseconds(20);
            options.Consumer["session.timeout.ms"] = KafkaClients.SessionTimeoutMs.ToString(CultureInfo.InvariantCulture);
            options.Consumer["heartbeat.interval.ms"] = "1000";
            configure?.Invoke(options);
        });
        var host = builder.Build();
        host.Start();
        return host;
    }

    /// <summary>What the in-process ingest host logged.</summary>
    public static IngestLog Log(this IHost ingest) => ingest.Services.GetRequiredService<IngestLog>();

    /// <summary><c>streamattention ingest</c> as a child process, a client of a silo process, serving /metrics and /health on <paramref name="httpPort"/> (default: a free one).</summary>
    /// <param name="testSessions">The tests' short group session; false: the pipeline's own consumer settings, as deployed.</param>
    public static ChildProcess StartProcess(SiloProcess silo, EmbeddedKafkaCluster kafka, string groupId, int? httpPort = null, bool testSessions = true, params string[] arguments)
        => ChildProcess.StartStreamAttention(["ingest", "--urls", $"http://127.0.0.1:{httpPort ?? LoopbackPort.Free()}",
            $"--Cluster:GatewayPort={silo.GatewayPort}",
            $"--Ingest:BootstrapServers={kafka.BootstrapServers}",
            $"--Ingest:GroupId={groupId}",
            $"--Ingest:MaxBatchSize={MaxBatchSize}",
            $"--Ingest:MaxInFlightBatches={MaxInFlightBatches}",
            "--Ingest:MaxBatchWait=00:00:00.020",
            .. testSessions ? [$"--Ingest:Consumer:session.timeout.ms={KafkaClients.SessionTimeoutMs}", "--Ingest:Consumer:heartbeat.interval.ms=1000"] : Array.Empty<string>(),
            "--Logging:LogLevel:Default=Warning", .. TestAuth.Arguments,
            .. arguments]);
}
