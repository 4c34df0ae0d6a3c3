namespace StreamAttention.Contracts;

/// <summary>
/// A message that passed an interest's threshold, named by the message's and the interest's ids: what in-process
/// scoring returns (the <c>score</c> and <c>eval</c> commands).
/// </summary>
public sealed record MessageMatch(
    string MessageId,
    string InterestId,
    string? UserId,
    float Score,
    float PrefilterScore,
    IReadOnlyList<Highlight> Highlights);
