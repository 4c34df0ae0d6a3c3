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

    /// <summary>The consumer group of a replay without filters; the filters' own groups begin with it (<see cref="EffectiveGroupId"/>).</summary>
    public const string DefaultGroupId = "streamattention-dead-letter-replay";

    /// <summary>
    /// The consumer group whose committed offsets say which dead letters were handled: a run reads from there to the end
    /// the topic had when it started, and commits that end once every replayed message was acknowledged (the dead letters
    /// its filters passed over too). Null: a group of the filters' own (<see cref="EffectiveGroupId"/>).
    /// </summary>
    public string? GroupId { get; set; }

    /// <summary>
    /// <see cref="GroupId"/>, else one group per filter: <see cref="DefaultGroupId"/>, then ".reason+reason" (sorted)
    /// and ".user=NAME" for the filters given. So a run for one reason or user never commits over the dead letters a run
    /// for another would replay. Overlapping filters (every reason, then one) replay their overlap again; harmless for
    /// decisions, since a replayed message keeps its match ids and its users' grains return what they decided.
    /// </summary>
    public string EffectiveGroupId
    {
        get
        {
            if (GroupId is not null)
            {
                return GroupId;
            }
            var group = DefaultGroupId;
            if (Reasons.Count > 0)
            {
                group += "." + string.Join('+', Reasons.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
            }
            return User is null ? group : $"{group}.user={User}";
        }
    }

    /// <summary>Only dead letters of these reasons are replayed (empty: all); the others are passed over, and committed over in this run's group.</summary>
    public List<string> Reasons { get; set; } = [];

    /// <summary>Only dead letters for this user (header <c>streamattention-user</c>) are replayed; null: any.</summary>
    public string? User { get; set; }

    /// <summary>Where replayed messages go; null: each back to the topic it was read from (header <c>streamattention-source-topic</c>).</summary>
    public string? TargetTopic { get; set; }

    /// <summary>
    /// A dead letter whose message was replayed this many times already (header <c>streamattention-replays</c>) is left in
    /// the dead-letter topic with a warning, not replayed again, and committed over in this run's group: a scheduled
    /// replay stops retrying a user whose grain keeps failing. Null: no limit (a replay asked for by hand). It is still
    /// there for a run of another group, e.g. <c>--group</c> given, once what fails is mended.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = "must be between {1} and {2}")]
    public int? MaxReplays { get; set; }

    /// <summary>
    /// librdkafka settings of the consumer; the command takes the ingest's (<c>Ingest:Consumer</c>,
    /// <see cref="Hosting.DeadLetterReplayServiceCollectionExtensions.BindIngestClientSettings"/>), so a deployment's TLS
    /// and SASL settings, its Secret's password among them, reach the replay as they reach the ingest.
    /// </summary>
    public Dictionary<string, string> Consumer { get; set; } = [];

    /// <summary>librdkafka settings of the producer; the command takes the ingest's (<c>Ingest:Producer</c>), as for <see cref="Consumer"/>.</summary>
    public Dictionary<string, string> Producer { get; set; } = [];

    /// <summary>Extra librdkafka settings for both clients (<c>--kafka-setting</c>), applied over <see cref="Consumer"/> and <see cref="Producer"/>.</summary>
    public Dictionary<string, string> Kafka { get; set; } = [];

    /// <summary>How long the run waits for the next dead letter before it gives up (the broker or the topic is not answering).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GroupId is not null && string.IsNullOrWhiteSpace(GroupId))
        {
            yield return new ValidationResult("The consumer group must not be blank (null: the filters' own group).", [nameof(GroupId)]);
        }
        foreach (var reason in Reasons.Where(reason => !DeadLetterReasons.All.Contains(reason)))
        {
            yield return new ValidationResult($"'{reason}' is not a dead-letter reason; they are: {string.Join(", ", DeadLetterReasons.All)}", [nameof(Reasons)]);
        }
    }
}
