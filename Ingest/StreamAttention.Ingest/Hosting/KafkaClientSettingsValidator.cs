using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Ingest.Replay;

namespace StreamAttention.Ingest.Hosting;

/// <summary>
/// Refuses, as the options are validated at start, the settings of <c>Ingest:Consumer</c> or <c>Ingest:Producer</c>
/// that librdkafka refuses (an unknown property such as <c>sesion.timeout.ms</c>, a value it does not parse such as
/// <c>session.timeout.ms=abc</c>, settings it refuses together), named by their key with librdkafka's reason. The client
/// is made from the settings the process uses, less its bootstrap servers, and disposed: librdkafka checks each property
/// as it is set and the whole as the handle is made, and a handle without brokers connects to none (one with them
/// started connecting at once). Without it a producer setting stopped the start with Confluent.Kafka's exception and its
/// stack, and the pipeline's consumer was checked only as it started: in a silo after it had joined its cluster, in the
/// standalone ingest once a silo answered. <c>replay-dead-letters</c> takes the same settings for its own clients
/// (<see cref="ReplayConsumer"/>, <see cref="ReplayProducer"/>).
/// </summary>
public static class KafkaClientSettingsValidator
{
    /// <summary>The pipeline's consumer (<see cref="IngestConsumerConfig"/>).</summary>
    public static readonly KafkaClientSettingsValidator<KafkaIngestOptions> Consumer = new(Section(nameof(KafkaIngestOptions.Consumer)),
        options => Named(nameof(KafkaIngestOptions.Consumer), options.Consumer), BuildConsumer, options => IngestConsumerConfig.Of(options));

    /// <summary>The output publisher's producer (<see cref="OutputPublisher.ConfigOf"/>); the readiness check's admin client takes the same settings.</summary>
    public static readonly KafkaClientSettingsValidator<KafkaIngestOptions> Producer = new(Section(nameof(KafkaIngestOptions.Producer)),
        options => Named(nameof(KafkaIngestOptions.Producer), options.Producer), BuildProducer, OutputPublisher.ConfigOf);

    /// <summary>
    /// The replay's consumer (<see cref="DeadLetterReplayer.ConsumerConfigOf"/>): the ingest's consumer settings with
    /// <c>--kafka-setting</c>'s over them, each named as it was given.
    /// </summary>
    public static readonly KafkaClientSettingsValidator<DeadLetterReplayOptions> ReplayConsumer = new($"{Section(nameof(KafkaIngestOptions.Consumer))} and --kafka-setting",
        options => Named(nameof(KafkaIngestOptions.Consumer), options.Consumer).Concat(NamedCommandLine(options.Kafka)), BuildConsumer, DeadLetterReplayer.ConsumerConfigOf);

    /// <summary>The replay's producer (<see cref="DeadLetterReplayer.ProducerConfigOf"/>), as <see cref="ReplayConsumer"/>.</summary>
    public static readonly KafkaClientSettingsValidator<DeadLetterReplayOptions> ReplayProducer = new($"{Section(nameof(KafkaIngestOptions.Producer))} and --kafka-setting",
        options => Named(nameof(KafkaIngestOptions.Producer), options.Producer).Concat(NamedCommandLine(options.Kafka)), BuildProducer, DeadLetterReplayer.ProducerConfigOf);

    private static string Section(string member) => $"{KafkaIngestOptions.SectionName}:{member}";

    private static IEnumerable<KeyValuePair<string, string>> Named(string member, Dictionary<string, string> settings)
        => settings.Keys.Select(key => KeyValuePair.Create($"{Section(member)}:{key}", key));

    private static IEnumerable<KeyValuePair<string, string>> NamedCommandLine(Dictionary<string, string> settings)
        => settings.Keys.Select(key => KeyValuePair.Create($"--kafka-setting {key}", key));

    // Confluent.Kafka requires a group for any consumer: one for a setting checked alone, the client's own over it otherwise.
    private static IDisposable BuildConsumer(IEnumerable<KeyValuePair<string, string>> settings)
        => new ConsumerBuilder<byte[]?, byte[]?>(settings.Prepend(KeyValuePair.Create("group.id", "settings-check"))).SetLogHandler(Ignore).Build();

    private static IDisposable BuildProducer(IEnumerable<KeyValuePair<string, string>> settings)
        => new ProducerBuilder<byte[]?, byte[]?>(settings).SetLogHandler(Ignore).Build();

    private static void Ignore<TClient>(TClient client, LogMessage line)
    {
    }
}

/// <summary>One client's check of <see cref="KafkaClientSettingsValidator"/>, for the options that hold its settings.</summary>
public sealed class KafkaClientSettingsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    private static readonly string[] BrokerSettings = ["bootstrap.servers", "metadata.broker.list"];

    private readonly string _section;
    private readonly Func<TOptions, IEnumerable<KeyValuePair<string, string>>> _configured;
    private readonly Func<IEnumerable<KeyValuePair<string, string>>, IDisposable> _build;
    private readonly Func<TOptions, ClientConfig> _configOf;

    /// <param name="section">What names the settings together, when no one of them is to blame.</param>
    /// <param name="configured">The settings an operator gave, each as (what names it, its librdkafka key).</param>
    /// <param name="build">Makes the client from settings.</param>
    /// <param name="configOf">The settings the process's client takes.</param>
    internal KafkaClientSettingsValidator(string section, Func<TOptions, IEnumerable<KeyValuePair<string, string>>> configured,
        Func<IEnumerable<KeyValuePair<string, string>>, IDisposable> build, Func<TOptions, ClientConfig> configOf)
        => (_section, _configured, _build, _configOf) = (section, configured, build, configOf);

    public ValidateOptionsResult Validate(string? name, TOptions options)
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
        var blamed = _configured(options).Where(setting => Refusal(settings.Where(s => s.Key != setting.Value)) is null).Take(2).ToArray();
        return ValidateOptionsResult.Fail(blamed is [var one] ? $"{one.Key}: librdkafka refused it: {refusal}" : $"{_section}: librdkafka refused the settings: {refusal}");
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
}
