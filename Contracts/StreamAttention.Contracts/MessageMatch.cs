namespace StreamAttention.Contracts;

/// <summary>What a user wants to see, in plain text. <see cref="Threshold"/> overrides the default minimum score.</summary>
public sealed record InterestDefinition(string Id, string Text, string? UserId = null, float? Threshold = null);

/// <summary>A message to filter.</summary>
public sealed record MessageText(string Id, string Text);

/// <summary>A message token that drew the attention of an interest, with its attention weight (0..1).</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.Highlight")]
public sealed record Highlight(string Token, float Weight);

/// <summary>A message that passed an interest's threshold.</summary>
public sealed record InterestMatch(
    string MessageId,
    string InterestId,
    string? UserId,
    float Score,
    float PrefilterScore,
    IReadOnlyList<Highlight> Highlights);
