namespace StreamAttention.Contracts.Users;

/// <summary>An interest to create or replace.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestInput")]
public sealed record InterestInput(string Id, string Text, float? Threshold = null);
