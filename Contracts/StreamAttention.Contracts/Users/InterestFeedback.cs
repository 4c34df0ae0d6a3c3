namespace StreamAttention.Contracts.Users;

/// <summary>
/// What feedback has done to one interest: <paramref name="Threshold"/> is the threshold scoring uses now (the
/// interest's own or the default, moved by <paramref name="Offset"/>), <paramref name="NotLikeThis"/> the examples kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.InterestFeedback")]
public sealed record InterestFeedback(string InterestId, float Threshold, float Offset, int NotLikeThis, int Relevant, int NotRelevant);
