namespace StreamAttention.Contracts.Users;

/// <summary>
/// The outcome of a write: the interests stored and the inputs rejected. The stored ones were persisted in one
/// write; a rejected input changed nothing.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestWriteResult")]
public sealed record InterestWriteResult(IReadOnlyList<StoredInterest> Stored, IReadOnlyList<InterestError> Errors);
