using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>The host's stop of a process that runs the Kafka ingest (a silo with <c>Ingest:Enabled</c>, the standalone ingest).</summary>
public static class IngestDrainShutdown
{
    /// <summary>
    /// Adds <c>Ingest:DrainTimeout</c> to the host's shutdown timeout: the ingest drains its batches in flight before the
    /// rest of the process stops, and a host that gave up at its own timeout would end a drain it allowed uncommitted.
    /// </summary>
    public static IServiceCollection AddIngestDrainToShutdownTimeout(this IServiceCollection services)
    {
        services.AddOptions<HostOptions>().PostConfigure<IOptions<KafkaIngestOptions>>((host, ingest) => host.ShutdownTimeout += ingest.Value.DrainTimeout);
        return services;
    }
}
