using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Live;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Hosting;

public static class KafkaIngestServiceCollectionExtensions
{
    /// <summary>The readiness check (<c>/health/ready</c>) of the process's Kafka: <see cref="KafkaReadinessCheck"/>.</summary>
    public const string ReadinessCheckName = "kafka";

    /// <summary>
    /// The Kafka ingest pipeline as a hosted service, and its readiness check (<see cref="KafkaReadinessCheck"/>: the
    /// brokers and the input topics answer), the same in a silo and in the standalone ingest. It needs an
    /// <see cref="IGrainFactory"/>: a silo's own, or an Orleans client's. Returns the options builder for binding (e.g.
    /// <c>.BindConfiguration(KafkaIngestOptions.SectionName)</c>); the options are validated at start.
    /// </summary>
    public static OptionsBuilder<KafkaIngestOptions> AddKafkaIngest(this IServiceCollection services, Action<KafkaIngestOptions>? configure = null)
    {
        var options = AddOutputPublisher(services);
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
        services.AddSingleton<IValidateOptions<KafkaIngestOptions>>(KafkaClientSettingsValidator.Consumer);
        services.AddHostedService<KafkaIngestService>();
        services.AddHealthChecks().AddCheck<KafkaReadinessCheck>(ReadinessCheckName, tags: [HealthCheckTags.Ready]);
        return options;
    }

    /// <summary>
    /// The output publisher as the <see cref="IDigestSink"/> of the grains in this process: their users' digests go to
    /// the digest topic (<see cref="KafkaIngestOptions.DigestTopic"/>, per tenant with its pattern), for a silo of a
    /// cluster whose ingest runs in its own process (<see cref="AddKafkaIngest"/> has it too). Its readiness check reads
    /// no input topic, and its failure is Degraded: the silo's API serves without Kafka, and its digests wait in their
    /// outbox until a broker answers. Returns the options builder for binding; the options are validated at start.
    /// </summary>
    public static OptionsBuilder<KafkaIngestOptions> AddKafkaDigestSink(this IServiceCollection services)
    {
        var options = AddOutputPublisher(services);
        services.AddHealthChecks().Add(new HealthCheckRegistration(ReadinessCheckName, provider => new KafkaReadinessCheck(
            provider.GetRequiredService<IOptions<KafkaIngestOptions>>(), provider.GetRequiredService<ILogger<KafkaReadinessCheck>>(), inputTopicsRead: false),
            HealthStatus.Degraded, tags: [HealthCheckTags.Ready]));
        return options;
    }

    private static OptionsBuilder<KafkaIngestOptions> AddOutputPublisher(IServiceCollection services)
    {
        var options = services.AddOptions<KafkaIngestOptions>().ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<KafkaIngestOptions>>(KafkaClientSettingsValidator.Producer);
        services.TryAddSingleton<OutputPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IDigestSink, OutputPublisher>(provider => provider.GetRequiredService<OutputPublisher>()));
        return options;
    }
}
