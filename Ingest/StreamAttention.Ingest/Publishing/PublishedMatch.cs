using System.Text.Json;
using System.Text.Json.Serialization;
using StreamAttention.Contracts;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON value of a match on the output topic, and of an immediate one on the notification topic (camelCase;
/// absent fields are left out). <see cref="Delivery"/> is the user grain's decision, the audit trail of the policy.
/// <see cref="Truncated"/>, written only when true: the message had more tokens than the windows it was scored in cover.
/// <see cref="Score"/> is calibrated unless <c>Scoring:Calibration</c> is None; <see cref="RawScore"/> is the uncalibrated score.
/// The pipeline writes these values with <see cref="MessageMatchesJson"/>, byte for byte as <see cref="OutputJson"/> serializes this record.
/// </summary>
public sealed record PublishedMatch(
    string? MatchId,
    string? Delivery,
    string? DuplicateOf,
    string MessageId,
    string InterestId,
    string UserId,
    float Score,
    IReadOnlyList<Highlight> Highlights,
    string? Text,
    JsonElement? Timestamp,
    JsonElement? Attributes,
    SourcePosition Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Truncated = false,
    float? RawScore = null);
