// Not StreamAttention.Contracts.Scoring as the folder says: user records stored before the binary format are JSON
// that names this type in full (StreamAttention.Contracts.Highlight[]), and they are still read.
namespace StreamAttention.Contracts;

/// <summary>A message token that drew the attention of an interest, with its attention weight (0..1).</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Highlight")]
public sealed record Highlight(string Token, float Weight);
