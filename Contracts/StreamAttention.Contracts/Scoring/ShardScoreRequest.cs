namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A message batch embedded once and sent to every scoring shard. <paramref name="BatchId"/> lets a silo recognise
/// the copies that co-located shards received and score them in one ONNX run.
/// </summary>
/// <param name="UserId">Score only this user's interests; null for everyone.</param>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardScoreRequest")]
public sealed record ShardScoreRequest(Guid BatchId, IReadOnlyList<EmbeddedText> Messages, string? UserId = null);
