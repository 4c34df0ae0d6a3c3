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
    /// (one per input, in order), so bulk imports can embed many users' texts in one batch.
    /// </summary>
    [Alias("PutInterests")]
    Task<InterestWriteResult> PutInterests(IReadOnlyList<InterestInput> inputs, IReadOnlyList<EmbeddedText>? embeddings = null);

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

    [Alias("AppendMatches")]
    Task AppendMatches(IReadOnlyList<UserMatch> matches);

    /// <summary>The most recent matches, newest first.</summary>
    [Alias("GetMatches")]
    Task<IReadOnlyList<UserMatch>> GetMatches(int limit);
}
