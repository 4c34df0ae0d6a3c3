using System.Text.Json;
using System.Text.Json.Serialization;
using StreamAttention.Contracts;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON value of a record on the output topic with <c>Ingest:Output:MatchRecords=PerUserBatch</c>: one user's
/// matches of one consumed batch, by message in read order (camelCase; absent fields are left out, as in
/// <see cref="PublishedMatch"/>). A user's matches of a batch that would pass <c>Ingest:Output:MaxRecordBytes</c> are
/// split into several records, in order; a message whose matches are split appears in each with its part of them.
/// The pipeline writes these values with <see cref="UserMatchesJson"/>, byte for byte as <see cref="OutputJson"/> serializes this record.
/// </summary>
public sealed record PublishedUserMatches(string UserId, IReadOnlyList<PublishedMessageMatches> Messages);

/// <summary>What a message carries, written once per record, and the user's matches of it.</summary>
public sealed record PublishedMessageMatches(
    string MessageId,
    string? Text,
    JsonElement? Timestamp,
    JsonElement? Attributes,
    SourcePosition Source,
    IReadOnlyList<PublishedUserMatch> Matches);

/// <summary>A <see cref="PublishedMatch"/>'s own fields: what is not the message's or the user's.</summary>
public sealed record PublishedUserMatch(
    string? MatchId,
    string? Delivery,
    string? DuplicateOf,
    string InterestId,
    float Score,
    IReadOnlyList<Highlight> Highlights,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Truncated = false,
    float? RawScore = null);
