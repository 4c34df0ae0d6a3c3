using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Replay;

namespace StreamAttention.Ingest.Hosting;

public static class DeadLetterReplayServiceCollectionExtensions
{
    /// <summary>
    /// The <see cref="DeadLetterReplayer"/>; its options are validated when it is first resolved, its clients' librdkafka
    /// settings among them (<see cref="KafkaClientSettingsValidator"/>), before any broker is asked.
    /// </summary>
    public static OptionsBuilder<DeadLetterReplayOptions> AddDeadLetterReplayer(this IServiceCollection services, Action<DeadLetterReplayOptions>? configure = null)
    {
        var options = services.AddOptions<DeadLetterReplayOptions>().ValidateDataAnnotations();
        services.AddSingleton<IValidateOptions<DeadLetterReplayOptions>>(KafkaClientSettingsValidator.ReplayConsumer);
        services.AddSingleton<IValidateOptions<DeadLetterReplayOptions>>(KafkaClientSettingsValidator.ReplayProducer);
        if (configure is not null)
        {
            options.Configure(configure);
        }
        services.TryAddSingleton<DeadLetterReplayer>();
        return options;
    }

    /// <summary>
    /// The replay's consumer and producer settings from the ingest's configuration (<c>Ingest:Consumer</c>,
    /// <c>Ingest:Producer</c>), so the TLS and SASL settings a deployment gives its ingest (the password from its Secret)
    /// reach the replay too.
    /// </summary>
    public static OptionsBuilder<DeadLetterReplayOptions> BindIngestClientSettings(this OptionsBuilder<DeadLetterReplayOptions> options)
        => options.Configure<IConfiguration>((replay, configuration) =>
        {
            configuration.GetSection($"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.Consumer)}").Bind(replay.Consumer);
            configuration.GetSection($"{KafkaIngestOptions.SectionName}:{nameof(KafkaIngestOptions.Producer)}").Bind(replay.Producer);
        });
}
