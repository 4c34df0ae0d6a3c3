using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A user's incarnation (<see cref="IUserGrain.GetIncarnation"/>): made by the first write of its state, kept by every
/// later one and by its activations, carried by its rows to its shard, and made anew after an erasure, which removes it.
/// </summary>
public sealed class UserIncarnationTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task A_user_gets_an_incarnation_at_its_first_write_keeps_it_and_gets_another_after_an_erasure()
    {
        const string userId = "incarnation-life";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        Assert.Equal(Guid.Empty, await user.GetIncarnation());

        Assert.Empty((await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)])).Errors);
        var first = await user.GetIncarnation();
        Assert.NotEqual(Guid.Empty, first);
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));
        await fixture.Cluster.DeactivateAsync(user);
        Assert.Equal((first, first, first), (await user.GetIncarnation(), (await user.GetScoringRows()).Incarnation, await ShardOf(userId).IncarnationOf(userId)));

        Assert.Null((await user.Erase()).FailedStep);
        Assert.Equal((Guid.Empty, Guid.Empty), (await user.GetIncarnation(), await ShardOf(userId).IncarnationOf(userId)));
        Assert.Empty((await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)])).Errors);
        var second = await user.GetIncarnation();

        Assert.NotEqual(Guid.Empty, second);
        Assert.NotEqual(first, second);
        Assert.Equal(second, await ShardOf(userId).IncarnationOf(userId));
        await user.Erase();
    }

    /// <summary>
    /// A user whose state was stored before incarnations (<c>StoredFormatTests</c>) has none after any number of
    /// activations, and gets one at its next write, which its rows then carry.
    /// </summary>
    [Fact]
    public async Task A_user_stored_without_an_incarnation_gets_one_at_its_next_write_not_at_its_load()
    {
        const string userId = "incarnation-legacy";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        Assert.Empty((await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)])).Errors);
        var stateKey = await StoreWithoutIncarnationAsync(user, userId);

        Assert.Equal(Guid.Empty, await user.GetIncarnation());
        await fixture.Cluster.DeactivateAsync(user);
        Assert.Equal(Guid.Empty, await user.GetIncarnation());
        Assert.Empty(await user.PutPolicy(DeliveryPolicy.Default));
        var made = await user.GetIncarnation();
        await fixture.Cluster.DeactivateAsync(user);

        Assert.NotEqual(Guid.Empty, made);
        Assert.Equal((made, made), (await user.GetIncarnation(), (await user.GetScoringRows()).Incarnation));
        Assert.Equal(made, ((UserInterestsState)fixture.Store.Entries[stateKey].State).Incarnation);
        await user.Erase();
    }

    /// <summary>
    /// The rows a shard reads (<see cref="IUserGrain.GetScoringRows"/>, which interleaves with a write) while a user
    /// stored without an incarnation writes its state in place (a policy) carry none: the one that write makes is not
    /// the user's until stored, and should the write fail the user's next write makes another, while the shard would
    /// keep the first, and its dead letters' replays be skipped as another user's.
    /// </summary>
    [Fact]
    public async Task Rows_read_while_a_write_makes_the_incarnation_do_not_carry_it_before_it_is_stored()
    {
        const string userId = "incarnation-unstored";
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        Assert.Empty((await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)])).Errors);
        await StoreWithoutIncarnationAsync(user, userId);
        Assert.Equal(Guid.Empty, await user.GetIncarnation());

        var during = await UserGrainTests.RowsReadWhileAWriteFailsAsync(fixture.Store, user, () => user.PutPolicy(DeliveryPolicy.Default));

        Assert.Equal((Guid.Empty, Guid.Empty), (during.Incarnation, await user.GetIncarnation()));
        await user.Erase();
    }

    /// <summary>The user's state as stored before incarnations: none (the grain deactivated first, so it reads that).</summary>
    private async Task<(string StateName, GrainId Grain)> StoreWithoutIncarnationAsync(IUserGrain user, string userId)
    {
        await fixture.Cluster.DeactivateAsync(user);
        var stateKey = fixture.Store.Entries.Keys.Single(k => k.StateName == "user" && k.Grain.Key.ToString() == userId);
        var (state, etag) = fixture.Store.Entries[stateKey];
        ((UserInterestsState)state).Incarnation = Guid.Empty;
        fixture.Store.Entries[stateKey] = (state, etag);
        return stateKey;
    }

    private IScoringShardGrain ShardOf(string userId) => fixture.Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(userId, int.Parse(TestCluster.Settings["Sharding:ShardCount"]!)));
}
