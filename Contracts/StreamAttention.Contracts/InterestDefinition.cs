namespace StreamAttention.Contracts;

/// <summary>What a user wants to see, in plain text. <see cref="Threshold"/> overrides the default minimum score.</summary>
public sealed record InterestDefinition(string Id, string Text, string? UserId = null, float? Threshold = null);
