namespace StreamAttention.Contracts.Users;

/// <summary>
/// Everything a user grain keeps about its user, read in one turn of the grain (a data subject's access request,
/// GDPR art. 15): the user's key ("tenant/user", or the user id without a tenant), the interests, the stored delivery
/// policy (null: none stored, the defaults apply), what feedback did to each interest, the recent matches (newest
/// first), the recent digests (newest first) and the matches waiting for the next digest. What is derived from these
/// is left out: fingerprints of recent texts, rate-limit times, the interests' stored expansions (the embedder's words
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
    IReadOnlyList<UserMatch> WaitingForDigest)
{
    /// <summary>
    /// Nothing is kept: the user was never known, or was erased (the two look alike on purpose: an erasure leaves no
    /// trace that the user existed).
    /// </summary>
    public bool KeepsNothing() => Interests.Count == 0 && Policy is null && Feedback.Count == 0 && Matches.Count == 0 && Digests.Count == 0
        && WaitingForDigest.Count == 0;
}
