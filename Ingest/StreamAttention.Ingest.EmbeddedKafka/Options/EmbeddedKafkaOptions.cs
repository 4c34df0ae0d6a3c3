using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.RegularExpressions;

namespace StreamAttention.Ingest.EmbeddedKafka.Options;

/// <summary>The embedded Kafka cluster a host runs (section "EmbeddedKafka").</summary>
public sealed partial class EmbeddedKafkaOptions : IValidatableObject
{
    public const string SectionName = "EmbeddedKafka";

    public const int MaxBrokers = 16;

    public const int MaxPartitions = 10_000;

    /// <summary>Brokers, numbered 1..N, each on its own free port of 127.0.0.1.</summary>
    [Range(1, MaxBrokers)]
    public int BrokerCount { get; set; } = 1;

    /// <summary>Topics created at start, name → partition count.</summary>
    public Dictionary<string, int> Topics { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, partitions) in Topics)
        {
            if (!TopicName().IsMatch(name) || name is "." or "..")
            {
                yield return new ValidationResult($"Topic name '{name}' is not legal in Kafka: 1–249 of [a-zA-Z0-9._-].", [nameof(Topics)]);
            }
            if (partitions is < 1 or > MaxPartitions)
            {
                yield return new ValidationResult(string.Create(CultureInfo.InvariantCulture, $"Topic '{name}' must have 1–{MaxPartitions:N0} partitions, not {partitions}."), [nameof(Topics)]);
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();
}
