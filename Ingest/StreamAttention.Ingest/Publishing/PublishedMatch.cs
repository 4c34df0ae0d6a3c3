using System.Text.Json;
using StreamAttention.Contracts;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Publishing;

/// <summary>The JSON value of a match on the output topic (camelCase; absent fields are left out).</summary>
public sealed record PublishedMatch(
    string MessageId,
    string InterestId,
    string UserId,
    float Score,
    IReadOnlyList<Highlight> Highlights,
    string? Text,
    JsonElement? Timestamp,
    JsonElement? Attributes,
    SourcePosition Source);
