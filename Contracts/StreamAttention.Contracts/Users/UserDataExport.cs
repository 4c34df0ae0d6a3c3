namespace StreamAttention.Contracts.Users;

/// <summary>
/// Everything a user grain keeps about its user, read in one turn of the grain (a data subject's access request,
/// GDPR art. 15): the user's key ("tenant/user", or the user id without a tenant), the interests, the stored delivery
/// policy (null: none stored, the defaults apply), what feedback did to each interest, the recent matches (newest
/// first), the recent digests (newest first), the matches waiting for the next digest and the suppressed near-duplicates
/// it is to report (most repeated first, each with its last text), and what the next digest only counts: the matches
/// waiting unlisted, by interest (<paramref name="UnlistedWaitingForDigest"/>), and the suppressed near-duplicates of
/// originals forgotten past the bound on those kept (<paramref name="ForgottenRepeatsWaitingForDigest"/>, part of its
/// <c>moreRepeats</c>). Both were added after the others: where a silo of an earlier build holds the user's grain, they
/// are their defaults (null and 0). What is derived from these is left out: fingerprints of recent texts, rate-limit times, the interests' stored expansions (the embedder's words
/// for their texts), the "not like this" examples' vectors (counted in the feedback).
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.UserDataExport")]
public sealed record UserDataExport(
    string UserKey,
    IReadOnlyList<StoredInterest> Interests,
    DeliveryPolicy? Policy,
    IReadOnlyList<InterestFeedback> Feedback,
    IReadOnlyList<UserMatch> Matches,
    IReadOnlyList<Digest> Digests,
    IReadOnlyList<UserMatch> WaitingForDigest,
    IReadOnlyList<DigestRepeat> RepeatsWaitingForDigest,
    IReadOnlyDictionary<string, int>? UnlistedWaitingForDigest = null,
    int ForgottenRepeatsWaitingForDigest = 0)
{
    /// <summary>
    /// Nothing is kept: the user was never known, or was erased (the two look alike on purpose: an erasure leaves no
    /// trace that the user existed).
    /// </summary>
    public bool KeepsNothing() => KeepsNothing(Interests.Count, Policy, Feedback.Count, Matches.Count, Digests.Count,
        WaitingForDigest.Count + RepeatsWaitingForDigest.Count);

    /// <summary>
    /// <see cref="KeepsNothing()"/> from the lists' lengths (<paramref name="waitingForDigest"/>: matches and repeats):
    /// what <c>IUserGrain.HoldsAnything</c> asks of the grain's state without forming the export, so the two cannot
    /// disagree on what is kept.
    /// </summary>
    public static bool KeepsNothing(int interests, DeliveryPolicy? policy, int feedback, int matches, int digests, int waitingForDigest)
        => interests == 0 && policy is null && feedback == 0 && matches == 0 && digests == 0 && waitingForDigest == 0;
}
