namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A message that passed an interest's threshold, named by the message's and the interest's ids: what in-process
/// scoring returns (the <c>score</c> and <c>eval</c> commands). The score, prefilter score and highlights are those of
/// the message's best window for the interest; <paramref name="Truncated"/>: the message had more tokens than its
/// windows cover, and the rest was not scored. <paramref name="Score"/> is calibrated unless
/// <c>Scoring:Calibration</c> is None; <paramref name="RawScore"/> is the uncalibrated score it comes from.
/// </summary>
public sealed record MessageMatch(
    string MessageId,
    string InterestId,
    string? UserId,
    float Score,
    float PrefilterScore,
    IReadOnlyList<Highlight> Highlights,
    bool Truncated = false,
    float? RawScore = null);
