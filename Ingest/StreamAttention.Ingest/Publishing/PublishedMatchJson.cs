using System.Text.Json;
using StreamAttention.Contracts;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The property names of the matches topic's values and the pieces both layouts write alike
/// (<see cref="MessageMatchesJson"/>, <see cref="UserMatchesJson"/>), as <see cref="OutputJson"/> names and writes them.
/// </summary>
internal static class PublishedMatchJson
{
    public static readonly JsonEncodedText UserIdName = JsonEncodedText.Encode("userId");
    public static readonly JsonEncodedText MessagesName = JsonEncodedText.Encode("messages");
    public static readonly JsonEncodedText MessageIdName = JsonEncodedText.Encode("messageId");
    public static readonly JsonEncodedText TextName = JsonEncodedText.Encode("text");
    public static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    public static readonly JsonEncodedText AttributesName = JsonEncodedText.Encode("attributes");
    public static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    public static readonly JsonEncodedText MatchesName = JsonEncodedText.Encode("matches");
    public static readonly JsonEncodedText MatchIdName = JsonEncodedText.Encode("matchId");
    public static readonly JsonEncodedText DeliveryName = JsonEncodedText.Encode("delivery");
    public static readonly JsonEncodedText DuplicateOfName = JsonEncodedText.Encode("duplicateOf");
    public static readonly JsonEncodedText InterestIdName = JsonEncodedText.Encode("interestId");
    public static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    public static readonly JsonEncodedText TruncatedName = JsonEncodedText.Encode("truncated");
    public static readonly JsonEncodedText RawScoreName = JsonEncodedText.Encode("rawScore");
    private static readonly JsonEncodedText HighlightsName = JsonEncodedText.Encode("highlights");
    private static readonly JsonEncodedText TokenName = JsonEncodedText.Encode("token");
    private static readonly JsonEncodedText WeightName = JsonEncodedText.Encode("weight");

    /// <summary><c>"highlights":[{"token":…,"weight":…},…]</c>; nothing when there are none (null), as the serializer leaves it out.</summary>
    public static void WriteHighlights(Utf8JsonWriter writer, IReadOnlyList<Highlight>? highlights)
    {
        if (highlights is null)
        {
            return;
        }
        writer.WriteStartArray(HighlightsName);
        // By index: a foreach over the interface allocates an enumerator for every match published.
        for (var i = 0; i < highlights.Count; i++)
        {
            var highlight = highlights[i];
            writer.WriteStartObject();
            WriteStringIfAny(writer, TokenName, highlight.Token);
            writer.WriteNumber(WeightName, highlight.Weight);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>The property, left out when the value is null (as the serializer does).</summary>
    public static void WriteStringIfAny(Utf8JsonWriter writer, JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
