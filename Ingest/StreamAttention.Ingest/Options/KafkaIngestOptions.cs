using System.ComponentModel.DataAnnotations;
using System.Globalization;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Options;

/// <summary>The Kafka ingest pipeline (section "Ingest"): where it reads and writes, how it batches, and what it emits.</summary>
public sealed class KafkaIngestOptions : IValidatableObject
{
    public const string SectionName = "Ingest";

    /// <summary>Whether a silo hosts the pipeline; the standalone <c>streamattention ingest</c> process ignores it.</summary>
    public bool Enabled { get; set; }

    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    [Required]
    public string GroupId { get; set; } = "streamattention-ingest";

    public const string DefaultInputTopic = "streamattention.messages";

    /// <summary>
    /// The topics read; none configured: <see cref="DefaultInputTopic"/>. Empty by default because the configuration
    /// binder adds a list's configured items to the ones it holds: a default item would be read besides the configured topics.
    /// </summary>
    public List<string> InputTopics { get; set; } = [];

    /// <summary>What the consumer subscribes to: <see cref="InputTopics"/>, or <see cref="DefaultInputTopic"/> when none is configured.</summary>
    public IReadOnlyList<string> EffectiveInputTopics => InputTopics.Count > 0 ? InputTopics : [DefaultInputTopic];

    [Required]
    public string OutputTopic { get; set; } = "streamattention.matches";

    [Required]
    public string DeadLetterTopic { get; set; } = "streamattention.dead-letters";

    /// <summary>Where the matches whose delivery is <c>immediate</c> go as well: what should reach the person now.</summary>
    [Required]
    public string NotificationTopic { get; set; } = "streamattention.notifications";

    /// <summary>Where a silo that hosts the pipeline sends its users' digests.</summary>
    [Required]
    public string DigestTopic { get; set; } = "streamattention.digests";

    [EnumDataType(typeof(InputFormat), ErrorMessage = "The field Format must be Json, Text or Vectors.")]
    public InputFormat Format { get; set; } = InputFormat.Json;

    public JsonFieldOptions Fields { get; set; } = new();

    public IngestTenancyOptions Tenancy { get; set; } = new();

    public IngestOutputOptions Output { get; set; } = new();

    /// <summary>Messages scored together: one embedding run and one fan-out to the shards.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long a poll waits for a batch to fill up: batches form by size or by this time, whichever comes first.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Batches being scored or published at once; past that the consumer pauses its partitions.</summary>
    [Range(1, 64)]
    public int MaxInFlightBatches { get; set; } = 4;

    /// <summary>Larger message values are dead-lettered as oversize.</summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Whether a published match carries the message text.</summary>
    public bool IncludeText { get; set; } = true;

    /// <summary>Whether a published match carries the message's attributes (JSON input).</summary>
    public bool IncludeAttributes { get; set; } = true;

    /// <summary>
    /// How long a batch retries a scoring call while the cluster is unavailable (a silo lost, a timeout) before the
    /// consumer restarts from its committed offsets. A full silo queue (busy) is not a failure: it pauses the consumer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ScoringRetryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The least a scoring call is waited for before it is given up and asked again (a silo killed with the call in
    /// flight never answers); the wait is three times the slowest of the last 64 calls when that is longer, a call given
    /// up counting as one that took its whole wait.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ScoringCallDeadlineFloor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Attempts of a scoring call that the silos answer with an error (not unavailability); then its messages are
    /// bisected down to the ones that fail, which are dead-lettered as <c>scoring-failed</c>.
    /// </summary>
    [Range(1, 100)]
    public int ScoringAttempts { get; set; } = 3;

    /// <summary>
    /// Kafka static group membership (<c>group.instance.id</c>): a process restarted with the same id takes its old
    /// place at once, without a rebalance. Give each process its own stable id (e.g. a StatefulSet pod name); null:
    /// dynamic membership. A static member does not leave the group when it stops, so its partitions wait for it up to
    /// the session timeout.
    /// </summary>
    public string? InstanceId { get; set; }

    /// <summary>How long a stop or a partition revoke waits for in-flight batches before committing what finished.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Extra librdkafka consumer settings, applied over the pipeline's own. With the classic group protocol the
    /// pipeline sets session.timeout.ms=6000 and heartbeat.interval.ms=2000 (a real broker's minimum session), so a
    /// killed consumer's partitions move on within seconds instead of librdkafka's 45 s; and always fetch.wait.max.ms=10,
    /// so a quiet stream's next message is fetched within milliseconds.
    /// </summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Extra librdkafka producer settings, applied over the pipeline's own (idempotence and acks=all stay on).</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    /// <summary>
    /// The largest record the producer sends: its <c>message.max.bytes</c>, as <see cref="Producer"/> sets it or librdkafka's
    /// default. A setting that is not a whole number in decimal is refused at start (<see cref="Validate"/>): librdkafka
    /// reads the number its text begins with (<c>20000abc</c> as 20000), which was read here as the default. A method, not
    /// a property, because validation reads every property, this one's setting before it is refused.
    /// </summary>
    public int ProducerMessageMaxBytes()
        => Producer.TryGetValue(ProducerMessageMaxBytesSetting, out var setting) ? int.Parse(setting, NumberStyles.None, CultureInfo.InvariantCulture) : IngestOutputOptions.DefaultProducerMessageMaxBytes;

    private const string ProducerMessageMaxBytesSetting = "message.max.bytes";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InputTopics.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Ingest:InputTopics must not contain empty names.", [nameof(InputTopics)]);
        }
        if (EffectiveInputTopics.Intersect([OutputTopic, DeadLetterTopic, NotificationTopic, DigestTopic]).Any())
        {
            yield return new ValidationResult("Ingest:OutputTopic, DeadLetterTopic, NotificationTopic and DigestTopic must not be input topics (the pipeline would read its own output).", [nameof(InputTopics)]);
        }
        if (string.IsNullOrWhiteSpace(Fields.Id) || string.IsNullOrWhiteSpace(Fields.Text) || string.IsNullOrWhiteSpace(Fields.Vectors))
        {
            yield return new ValidationResult("Ingest:Fields:Id, Text and Vectors must be named.", [nameof(Fields)]);
        }
        if (Consumer.TryGetValue(IngestConsumerConfig.IsolationLevelSetting, out var isolation) && !isolation.Equals(IngestConsumerConfig.ReadCommitted, StringComparison.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Ingest:Consumer:{IngestConsumerConfig.IsolationLevelSetting} must be {IngestConsumerConfig.ReadCommitted}, not '{isolation}': the ingest would score the records of aborted transactions.", [nameof(Consumer)]);
        }
        if (Consumer.TryGetValue(IngestConsumerConfig.AutoOffsetResetSetting, out var reset) && !IngestConsumerConfig.EarliestOffsetResets.Contains(reset, StringComparer.OrdinalIgnoreCase))
        {
            yield return new ValidationResult($"Ingest:Consumer:{IngestConsumerConfig.AutoOffsetResetSetting} must be earliest, not '{reset}': the ingest would skip the records written to a partition before it first reads it (a partition added to an input topic, a new group).", [nameof(Consumer)]);
        }
        if (Producer.TryGetValue(ProducerMessageMaxBytesSetting, out var maxBytes) && !int.TryParse(maxBytes, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            yield return new ValidationResult($"Ingest:Producer:{ProducerMessageMaxBytesSetting} must be a whole number of bytes in decimal (dead letters are cut to fit it), not '{maxBytes}'.", [nameof(Producer)]);
        }
        else if (Output.MatchRecords == MatchRecordLayout.PerUserBatch && (Output.MaxRecordBytes < 1024 || Output.MaxRecordBytes > ProducerMessageMaxBytes() - IngestOutputOptions.RecordOverheadBytes))
        {
            yield return new ValidationResult($"Ingest:Output:MaxRecordBytes must be between 1024 and the producer's message.max.bytes ({ProducerMessageMaxBytes()}) less {IngestOutputOptions.RecordOverheadBytes} for the key and headers.", [nameof(Output)]);
        }
        if (!Enum.IsDefined(Output.MatchRecords))
        {
            yield return new ValidationResult("Ingest:Output:MatchRecords must be PerMatch or PerUserBatch.", [nameof(Output)]);
        }
        if (Tenancy.UserCheckTimeout < TimeSpan.FromMilliseconds(100) || Tenancy.UserCheckTimeout > TimeSpan.FromMinutes(10))
        {
            yield return new ValidationResult("Ingest:Tenancy:UserCheckTimeout must be between 00:00:00.100 and 00:10:00.", [nameof(Tenancy)]);
        }
        foreach (var (setting, pattern) in Tenancy.TopicPatterns())
        {
            if (!pattern.Contains(IngestTenancyOptions.TenantPlaceholder, StringComparison.Ordinal))
            {
                yield return new ValidationResult($"{setting} must contain {IngestTenancyOptions.TenantPlaceholder}.", [nameof(Tenancy)]);
            }
            else if (!KafkaTopicNames.IsLegal(IngestTenancyOptions.TenantTopic(pattern, "tenant")))
            {
                yield return new ValidationResult($"{setting} ({pattern}) does not make a topic name of a tenant: {KafkaTopicNames.Rule}.", [nameof(Tenancy)]);
            }
            // The tenants known at start are refused here, rather than their matches dead-lettered one by one.
            else if (Tenancy.NamedTenants.Select(tenant => IngestTenancyOptions.TenantTopicProblem(setting, pattern, tenant)).FirstOrDefault(problem => problem is not null) is { } problem)
            {
                yield return new ValidationResult($"Ingest:Tenancy names a tenant Kafka has no topic name for: {problem}.", [nameof(Tenancy)]);
            }
        }
    }
}

public enum InputFormat
{
    /// <summary>A JSON object per message, fields named by <see cref="JsonFieldOptions"/>.</summary>
    Json,

    /// <summary>The value is the text (UTF-8); the id is "topic/partition/offset".</summary>
    Text,

    /// <summary>A JSON object whose <see cref="JsonFieldOptions.Vectors"/> field holds the message's token vectors, embedded by the producer.</summary>
    Vectors,
}

/// <summary>Field names of JSON input; a null optional field is not read.</summary>
public sealed class JsonFieldOptions
{
    /// <summary>Missing in a message: the id becomes "topic/partition/offset".</summary>
    public string Id { get; set; } = "id";

    public string Text { get; set; } = "text";

    /// <summary>Scores the message against this user's interests only: a user of the message's tenant (no '/').</summary>
    public string? User { get; set; } = "user";

    /// <summary>The message's tenant, unless its topic or header says (see <see cref="IngestTenancyOptions"/>).</summary>
    public string? Tenant { get; set; } = "tenant";

    /// <summary>Copied to the match as is (a string or number).</summary>
    public string? Timestamp { get; set; } = "timestamp";

    /// <summary>An object copied to the match when <see cref="KafkaIngestOptions.IncludeAttributes"/>.</summary>
    public string? Attributes { get; set; } = "attributes";

    /// <summary>Format Vectors: an array of token vectors (arrays of the embedder's dimension).</summary>
    public string Vectors { get; set; } = "vectors";

    /// <summary>Format Vectors, optional: one token string per vector, shown as highlights.</summary>
    public string? Tokens { get; set; } = "tokens";
}
