using System.Text.RegularExpressions;

namespace StreamAttention.Ingest.Options;

/// <summary>
/// Kafka's rule for a topic name, as its brokers apply it: 1 to 249 of <c>[A-Za-z0-9._-]</c>, not "." or "..". A tenant
/// id may hold ':' (<see cref="Contracts.Users.Ids.Pattern"/>), which no topic name may.
/// </summary>
public static partial class KafkaTopicNames
{
    public const string Rule = "a Kafka topic name is 1 to 249 of [A-Za-z0-9._-]";

    public static bool IsLegal(string name) => Legal().IsMatch(name);

    [GeneratedRegex(@"^(?!\.\.?\z)[A-Za-z0-9._-]{1,249}\z")]
    private static partial Regex Legal();
}
