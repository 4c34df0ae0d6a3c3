using System.Text.Json;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Where a message was read: published with its matches, and the offset the commit covers.</summary>
public sealed record SourcePosition(string Topic, int Partition, long Offset)
{
    /// <summary>The id of a message that brings none of its own.</summary>
    public override string ToString() => $"{Topic}/{Partition}/{Offset}";
}

/// <summary>A decoded input message.</summary>
/// <param name="UserId">Score against this user's interests only (the user grain key, "tenant/user" with a tenant); null for everyone.</param>
/// <param name="Embedding">The producer's embedding (format Vectors); null when the silos embed <paramref name="Text"/>.</param>
public sealed record IngestMessage(
    string Id,
    string Text,
    string? UserId,
    JsonElement? Timestamp,
    JsonElement? Attributes,
    EmbeddedText? Embedding);
