namespace StreamAttention.Contracts.Users;

/// <summary>
/// An interest as the user grain stores it. <see cref="Threshold"/> null means the configured default;
/// <see cref="Require"/> and <see cref="Exclude"/> are normalised keyword lists, null when empty (and in state stored
/// before they existed).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.StoredInterest")]
public sealed record StoredInterest(string Id, string Text, float? Threshold, DateTimeOffset Created, DateTimeOffset Updated,
    IReadOnlyList<string>? Require = null, IReadOnlyList<string>? Exclude = null);
