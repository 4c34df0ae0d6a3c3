using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Hosting;

public static class KafkaIngestServiceCollectionExtensions
{
    /// <summary>
    /// The Kafka ingest pipeline as a hosted service. It needs an <see cref="IGrainFactory"/>: a silo's own, or an Orleans
    /// client's. Returns the options builder for binding (e.g. <c>.BindConfiguration(KafkaIngestOptions.SectionName)</c>);
    /// the options are validated at start.
    /// </summary>
    public static OptionsBuilder<KafkaIngestOptions> AddKafkaIngest(this IServiceCollection services, Action<KafkaIngestOptions>? configure = null)
    {
        var options = services.AddKafkaDigestSink();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IngestInstruments>();
        services.TryAddSingleton<ScoringGatewayClient>();
        services.TryAddSingleton<PublishSequencer>();
        services.TryAddSingleton<BatchProcessor>();
        services.AddHostedService<KafkaIngestService>();
        return options;
    }

    /// <summary>
    /// The output publisher as the <see cref="IDigestSink"/> of the grains in this process: their users' digests go to
    /// the digest topic (<see cref="KafkaIngestOptions.DigestTopic"/>, per tenant with its pattern). Part of
    /// <see cref="AddKafkaIngest"/>; alone, for a silo of a cluster whose ingest runs in its own process. Returns the
    /// options builder for binding; the options are validated at start.
    /// </summary>
    public static OptionsBuilder<KafkaIngestOptions> AddKafkaDigestSink(this IServiceCollection services)
    {
        var options = services.AddOptions<KafkaIngestOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<OutputPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDigestSink, OutputPublisher>(provider => provider.GetRequiredService<OutputPublisher>()));
        return options;
    }
}
