namespace StreamAttention.Contracts.Users;

/// <summary>An interest to create or replace, with optional keyword rules (see <see cref="Scoring.InterestDefinition"/>).</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestInput")]
public sealed record InterestInput(string Id, string Text, float? Threshold = null, IReadOnlyList<string?>? Require = null, IReadOnlyList<string?>? Exclude = null);
