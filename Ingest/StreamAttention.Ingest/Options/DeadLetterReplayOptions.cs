using System.ComponentModel.DataAnnotations;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Options;

/// <summary>What <see cref="Replay.DeadLetterReplayer"/> replays, from where, and where to.</summary>
public sealed class DeadLetterReplayOptions : IValidatableObject
{
    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    [Required]
    public string DeadLetterTopic { get; set; } = "streamattention.dead-letters";

    /// <summary>
    /// The consumer group whose committed offsets say which dead letters were handled: a run reads from there to the end
    /// the topic had when it started, and commits that end once every replayed message was acknowledged.
    /// </summary>
    [Required]
    public string GroupId { get; set; } = "streamattention-dead-letter-replay";

    /// <summary>Only dead letters of these reasons are replayed (empty: all); the others are passed over, and committed over too.</summary>
    public List<string> Reasons { get; set; } = [];

    /// <summary>Only dead letters for this user (header <c>streamattention-user</c>) are replayed; null: any.</summary>
    public string? User { get; set; }

    /// <summary>Where replayed messages go; null: each back to the topic it was read from (header <c>streamattention-source-topic</c>).</summary>
    public string? TargetTopic { get; set; }

    /// <summary>Extra librdkafka settings for both clients (security, e.g. <c>security.protocol</c>, <c>sasl.mechanism</c>).</summary>
    public Dictionary<string, string> Kafka { get; set; } = [];

    /// <summary>How long the run waits for the next dead letter before it gives up (the broker or the topic is not answering).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var reason in Reasons.Where(reason => !DeadLetterReasons.All.Contains(reason)))
        {
            yield return new ValidationResult($"'{reason}' is not a dead-letter reason; they are: {string.Join(", ", DeadLetterReasons.All)}", [nameof(Reasons)]);
        }
    }
}
