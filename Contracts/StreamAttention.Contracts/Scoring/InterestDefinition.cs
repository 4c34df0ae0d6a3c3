namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// What a user wants to see, in plain text. <see cref="Threshold"/> overrides the default minimum score; a message
/// matches only if it holds every <see cref="Require"/> term and no <see cref="Exclude"/> term (words or phrases,
/// case-insensitive, at word boundaries).
/// </summary>
public sealed record InterestDefinition(string Id, string Text, string? UserId = null, float? Threshold = null,
    IReadOnlyList<string>? Require = null, IReadOnlyList<string>? Exclude = null);
