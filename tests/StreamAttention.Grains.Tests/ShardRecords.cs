using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Tests;

/// <summary>What the shard tests read in a cluster's shared store (the shards' stored membership records), and the erasure they arrange.</summary>
internal static class ShardRecords
{
    public static IEnumerable<ShardMembershipState> Stored(SharedGrainStore store)
        => store.Entries.Where(e => e.Key.StateName == "shard").Select(e => (ShardMembershipState)e.Value.State);

    /// <summary>Whether a stored record lists <paramref name="user"/> as a member.</summary>
    public static bool ListMember(SharedGrainStore store, string user) => Stored(store).Any(s => s.Users.Contains(user));

    /// <summary>Whether a stored record names <paramref name="user"/> at all: as a member or among the kept removals.</summary>
    public static bool Name(SharedGrainStore store, string user) => Stored(store).Any(s => s.Users.Contains(user) || s.Removed.ContainsKey(user));

    /// <summary>
    /// <paramref name="user"/> with one interest, then erased while the shards' membership writes fail: the erasure stops at
    /// its scoring step, the removal made in the shard's memory only, and storage still lists the user.
    /// </summary>
    public static async Task<IUserGrain> ErasedWhileShardWritesFailAsync(ClusterFixture fixture, string user)
    {
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        fixture.Store.FailWritesOf("shard");
        try
        {
            Assert.Equal(UserErasureSteps.Scoring, (await grain.Erase()).FailedStep);
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
        }
        Assert.True(ListMember(fixture.Store, user));
        return grain;
    }
}
