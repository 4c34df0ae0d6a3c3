namespace StreamAttention.Contracts.Users;

/// <summary>An interest as the user grain stores it. <see cref="Threshold"/> null means the configured default.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.StoredInterest")]
public sealed record StoredInterest(string Id, string Text, float? Threshold, DateTimeOffset Created, DateTimeOffset Updated);
