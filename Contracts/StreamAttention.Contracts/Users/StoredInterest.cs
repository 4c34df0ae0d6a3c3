namespace StreamAttention.Contracts.Users;

/// <summary>An interest as the user grain stores it. <see cref="Threshold"/> null means the configured default.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.StoredInterest")]
public sealed record StoredInterest(string Id, string Text, float? Threshold, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>An interest to create or replace.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestInput")]
public sealed record InterestInput(string Id, string Text, float? Threshold = null);

/// <summary>Why the input at <see cref="Index"/> of a write was rejected.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestError")]
public sealed record InterestError(int Index, string Field, string Message);

/// <summary>
/// The outcome of a write: the interests stored and the inputs rejected. The stored ones were persisted in one
/// write; a rejected input changed nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestWriteResult")]
public sealed record InterestWriteResult(IReadOnlyList<StoredInterest> Stored, IReadOnlyList<InterestError> Errors);

/// <summary>A message that matched one of the user's interests, as kept in the user's recent-match history.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserMatch")]
public sealed record UserMatch(DateTimeOffset At, string InterestId, string Text, float Score, IReadOnlyList<Highlight> Highlights);
