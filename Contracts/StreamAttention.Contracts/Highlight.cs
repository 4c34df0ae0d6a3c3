namespace StreamAttention.Contracts;

/// <summary>A message token that drew the attention of an interest, with its attention weight (0..1).</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Highlight")]
public sealed record Highlight(string Token, float Weight);
