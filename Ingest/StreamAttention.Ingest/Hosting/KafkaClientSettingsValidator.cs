using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Hosting;

/// <summary>
/// Refuses, as the options are validated at start, the settings of <c>Ingest:Consumer</c> or <c>Ingest:Producer</c>
/// that librdkafka refuses (an unknown property such as <c>sesion.timeout.ms</c>, a value it does not parse such as
/// <c>session.timeout.ms=abc</c>, settings it refuses together), named by their key with librdkafka's reason. The client
/// is made from the settings the process uses, less its bootstrap servers, and disposed: librdkafka checks each property
/// as it is set and the whole as the handle is made, and a handle without brokers connects to none (one with them
/// started connecting at once). Without it a producer setting stopped the start with Confluent.Kafka's exception and its
/// stack, and the pipeline's consumer was checked only as it started: in a silo after it had joined its cluster, in the
/// standalone ingest once a silo answered.
/// </summary>
public sealed class KafkaClientSettingsValidator : IValidateOptions<KafkaIngestOptions>
{
    /// <summary>The pipeline's consumer (<see cref="IngestConsumerConfig"/>).</summary>
    public static readonly KafkaClientSettingsValidator Consumer = new(nameof(KafkaIngestOptions.Consumer), options => options.Consumer,
        // Confluent.Kafka requires a group for any consumer: one for a setting checked alone, the pipeline's over it otherwise.
        settings => new ConsumerBuilder<byte[]?, byte[]?>(settings.Prepend(KeyValuePair.Create("group.id", "settings-check"))).SetLogHandler(Ignore).Build(),
        options => IngestConsumerConfig.Of(options));

    /// <summary>The output publisher's producer (<see cref="OutputPublisher.ConfigOf"/>); the readiness check's admin client takes the same settings.</summary>
    public static readonly KafkaClientSettingsValidator Producer = new(nameof(KafkaIngestOptions.Producer), options => options.Producer,
        settings => new ProducerBuilder<byte[]?, byte[]?>(settings).SetLogHandler(Ignore).Build(), OutputPublisher.ConfigOf);

    private static readonly string[] BrokerSettings = ["bootstrap.servers", "metadata.broker.list"];

    private readonly string _section;
    private readonly Func<KafkaIngestOptions, IReadOnlyDictionary<string, string>> _configured;
    private readonly Func<IEnumerable<KeyValuePair<string, string>>, IDisposable> _build;
    private readonly Func<KafkaIngestOptions, ClientConfig> _configOf;

    private KafkaClientSettingsValidator(string member, Func<KafkaIngestOptions, IReadOnlyDictionary<string, string>> configured,
        Func<IEnumerable<KeyValuePair<string, string>>, IDisposable> build, Func<KafkaIngestOptions, ClientConfig> configOf)
        => (_section, _configured, _build, _configOf) = ($"{KafkaIngestOptions.SectionName}:{member}", configured, build, configOf);

    public ValidateOptionsResult Validate(string? name, KafkaIngestOptions options)
    {
        var settings = _configOf(options).ToList();
        if (Refusal(settings) is not { } refusal)
        {
            return ValidateOptionsResult.Success;
        }
        // The one setting of the section without which librdkafka takes the rest; settings refused only together, or
        // several refused, are named by their section. A setting made into a client alone was named when that client
        // was refused, which one may be without what is set beside it (security.protocol=SASL_SSL without its
        // sasl.mechanism), for another setting's typo.
        var blamed = _configured(options).Keys.Where(key => Refusal(settings.Where(setting => setting.Key != key)) is null).Take(2).ToArray();
        return ValidateOptionsResult.Fail(blamed is [var key] ? $"{_section}:{key}: librdkafka refused it: {refusal}" : $"{_section}: librdkafka refused the settings: {refusal}");
    }

    /// <summary>librdkafka's reason for refusing <paramref name="settings"/>, or null when it takes them.</summary>
    private string? Refusal(IEnumerable<KeyValuePair<string, string>> settings)
    {
        try
        {
            _build(settings.Where(setting => !BrokerSettings.Contains(setting.Key)).ToList()).Dispose();
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or KafkaException)
        {
            return e.Message;
        }
    }

    private static void Ignore<TClient>(TClient client, LogMessage line)
    {
    }
}
