using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

public sealed class ShardMapTests
{
    [Fact]
    public void Shards_are_stable_across_processes_and_releases()
    {
        // Pinned: a different mapping would send users to shards whose stored membership does not list them.
        Assert.Equal([7, 4, 5], [ShardMap.ShardOf("alice", 8), ShardMap.ShardOf("bob", 8), ShardMap.ShardOf("acme/carol", 8)]);
        Assert.Equal(0, ShardMap.ShardOf("anyone", 1));
    }

    [Fact]
    public void Users_spread_evenly_over_shards()
    {
        var counts = new int[8];
        for (var i = 0; i < 80_000; i++)
        {
            counts[ShardMap.ShardOf($"user-{i}", 8)]++;
        }
        Assert.All(counts, count => Assert.InRange(count, 9_000, 11_000));
    }

    [Theory]
    [InlineData("alice", true)]
    [InlineData("acme/alice", true)]
    [InlineData("a.b_c:d-e", true)]
    [InlineData("acme/team/alice", false)]
    [InlineData("/alice", false)]
    [InlineData("alice bob", false)]
    [InlineData("", false)]
    public void User_ids_may_carry_one_tenant_prefix(string userId, bool valid)
        => Assert.Equal(valid, InterestValidator.ValidateUserId(userId) is null);
}
