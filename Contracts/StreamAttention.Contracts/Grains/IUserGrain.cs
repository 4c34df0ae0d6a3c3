using Orleans.Concurrency;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// One user (key: the user id, optionally prefixed by a tenant as "tenant/user"): the source of truth for the
/// user's interests, and a bounded history of the user's most recent matches.
/// </summary>
[Alias("StreamAttention.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates or replaces interests; valid inputs are embedded, persisted together and pushed to the user's shard,
    /// invalid ones are reported. <paramref name="embeddings"/>, when given, are the inputs' texts already embedded
    /// (one per input, in order), so bulk imports can embed many users' texts in one batch; <paramref name="expansions"/>
    /// then are the expansions that embedding applied (one per input, null: none), stored with the interests.
    /// </summary>
    [Alias("PutInterests")]
    Task<InterestWriteResult> PutInterests(IReadOnlyList<InterestInput> inputs, IReadOnlyList<EmbeddedText>? embeddings = null, IReadOnlyList<StoredExpansion?>? expansions = null);

    /// <summary>Removes an interest; false when the user has no interest with that id.</summary>
    [Alias("DeleteInterest")]
    Task<bool> DeleteInterest(string interestId);

    [Alias("GetInterest")]
    Task<StoredInterest?> GetInterest(string interestId);

    [Alias("GetInterests")]
    Task<IReadOnlyList<StoredInterest>> GetInterests();

    /// <summary>
    /// The embedded interests, for a scoring shard rebuilding itself. It may be called while the user grain waits on
    /// that very shard during a write, so it interleaves: it reads only the last committed rows.
    /// </summary>
    [AlwaysInterleave, Alias("GetScoringRows")]
    Task<UserScoringRows> GetScoringRows();

    /// <summary>
    /// Applies the user's delivery policy to new matches (each with its id), records them in the history with their
    /// decisions and returns the decisions, in order: the only place a match's delivery is decided. A match whose id the
    /// history holds (a batch asked again) gets the decision it got then. A match of an interest the user no longer
    /// holds (removed, or the user erased, since it was scored) is <see cref="DeliveryKinds.Withdrawn"/> and not recorded. <paramref name="matches"/> is only read, and
    /// not changed by the caller after the call, so a call within the silo passes it without a copy.
    /// </summary>
    [Alias("Decide")]
    Task<MatchDecisions> Decide([Immutable] IReadOnlyList<UserMatch> matches);

    /// <summary>The user's delivery policy (the default until one is stored).</summary>
    [Alias("GetPolicy")]
    Task<DeliveryPolicy> GetPolicy();

    /// <summary>
    /// Stores a delivery policy; returns the problems (field, message) instead when it is not valid, or the tenant's
    /// quota (<see cref="InterestError.QuotaField"/>) when the user is not counted yet and its tenant has its maximum of users.
    /// </summary>
    [Alias("PutPolicy")]
    Task<IReadOnlyList<InterestError>> PutPolicy(DeliveryPolicy policy);

    /// <summary>Feedback on a match in the history; null when the history has no match with that id.</summary>
    [Alias("GiveFeedback")]
    Task<InterestFeedback?> GiveFeedback(string matchId, bool relevant);

    /// <summary>What feedback has done to each interest that received some.</summary>
    [Alias("GetFeedback")]
    Task<IReadOnlyList<InterestFeedback>> GetFeedback();

    /// <summary>The most recent digests, newest first.</summary>
    [Alias("GetDigests")]
    Task<IReadOnlyList<Digest>> GetDigests(int limit);

    /// <summary>
    /// The most recent matches, newest first: of those kept, the delivered ones (a number of them) and apart from them
    /// the held-back ones (suppressed duplicates, muted, below the threshold), read back as one list.
    /// </summary>
    [Alias("GetMatches")]
    Task<IReadOnlyList<UserMatch>> GetMatches(int limit);

    /// <summary>Everything the grain keeps about its user, in one read (<see cref="UserDataExport"/>).</summary>
    [Alias("Export")]
    Task<UserDataExport> Export();

    /// <summary>
    /// Whether anything is kept about the user: false exactly when <see cref="Export"/> would answer an export that
    /// <see cref="UserDataExport.KeepsNothing()"/> (never known, or erased), without forming it.
    /// </summary>
    [Alias("HoldsAnything")]
    Task<bool> HoldsAnything();

    /// <summary>
    /// The user's incarnation: a random id made at the first write of its state, and made anew at the first write after
    /// an erasure (which removes it with the rest), so a user created again under the same id is told from the erased one
    /// without anything of that one kept. <see cref="Guid.Empty"/> while none is stored: nothing written since the user
    /// was created or erased, or state stored before incarnations and not written since.
    /// </summary>
    [Alias("GetIncarnation")]
    Task<Guid> GetIncarnation();

    /// <summary>Whether the user holds an interest: what <see cref="GetInterests"/> would answer non-empty, without forming it.</summary>
    [Alias("HasInterests")]
    Task<bool> HasInterests();

    /// <summary>
    /// Erases the user (GDPR art. 17): its shard drops its rows (so no further match is scored for it), its tenant stops
    /// counting it, its digest reminder is removed, its stored records (state, attention log, expansions) are cleared
    /// from storage, and the live streams of it end on every silo. The grain then deactivates, so the next call finds
    /// an empty user. Idempotent: a user with nothing stored is erased as well. A step that fails stops the erasure: the
    /// outcome names the steps done and the failed one, and a retry runs every step again (each can run twice).
    /// </summary>
    [Alias("Erase")]
    Task<UserErasureOutcome> Erase();
}
