using System.ComponentModel.DataAnnotations;

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

    [MinLength(1)]
    public List<string> InputTopics { get; set; } = ["streamattention.messages"];

    [Required]
    public string OutputTopic { get; set; } = "streamattention.matches";

    [Required]
    public string DeadLetterTopic { get; set; } = "streamattention.dead-letters";

    public InputFormat Format { get; set; } = InputFormat.Json;

    public JsonFieldOptions Fields { get; set; } = new();

    /// <summary>Messages scored together: one embedding run and one fan-out to the shards.</summary>
    [Range(1, 4096)]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long a batch waits to fill up after its first message.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(50);

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

    /// <summary>How long a batch retries a failing scoring call (e.g. a silo lost) before the consumer restarts from its committed offsets.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ScoringRetryTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a stop or a partition revoke waits for in-flight batches before committing what finished.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra librdkafka consumer settings (e.g. "session.timeout.ms"), applied over the pipeline's own.</summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>Extra librdkafka producer settings, applied over the pipeline's own (idempotence and acks=all stay on).</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (InputTopics.Any(string.IsNullOrWhiteSpace))
        {
            yield return new ValidationResult("Ingest:InputTopics must not contain empty names.", [nameof(InputTopics)]);
        }
        if (InputTopics.Contains(OutputTopic) || InputTopics.Contains(DeadLetterTopic))
        {
            yield return new ValidationResult("Ingest:OutputTopic and Ingest:DeadLetterTopic must not be input topics (the pipeline would read its own output).", [nameof(InputTopics)]);
        }
        if (string.IsNullOrWhiteSpace(Fields.Id) || string.IsNullOrWhiteSpace(Fields.Text) || string.IsNullOrWhiteSpace(Fields.Vectors))
        {
            yield return new ValidationResult("Ingest:Fields:Id, Text and Vectors must be named.", [nameof(Fields)]);
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

    /// <summary>Scores the message against this user's interests only.</summary>
    public string? User { get; set; } = "user";

    /// <summary>With a user: the user grain key becomes "tenant/user".</summary>
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
