using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

public sealed class MatchesByUserTests
{
    [Fact]
    public void Users_come_in_order_of_their_first_match_and_each_users_matches_in_the_batchs_order()
    {
        var batch = Batch("bob", "alice", "bob", "carol", "alice", "bob", "tenant/bob");

        var byUser = MatchesByUser.Of(batch);

        Assert.Equal(["bob", "alice", "carol", "tenant/bob"], Enumerable.Range(0, byUser.Count).Select(byUser.UserId));
        Assert.Equal([0, 2, 5], byUser.Indexes(0).ToArray());
        Assert.Equal([1, 4], byUser.Indexes(1).ToArray());
        Assert.Equal([3], byUser.Indexes(2).ToArray());
        Assert.Equal([6], byUser.Indexes(3).ToArray());
    }

    [Fact]
    public void Every_match_is_in_exactly_one_users_group()
    {
        var random = new Random(7);
        var batch = Batch(Enumerable.Range(0, 500).Select(_ => $"user-{random.Next(40)}").ToArray());

        var byUser = MatchesByUser.Of(batch);

        var grouped = Enumerable.Range(0, byUser.Count).SelectMany(u => byUser.Indexes(u).ToArray().Select(i => (User: byUser.UserId(u), Index: i))).ToArray();
        Assert.Equal(Enumerable.Range(0, batch.Length), grouped.Select(g => g.Index).Order());
        Assert.All(grouped, g => Assert.Equal(batch[g.Index].UserId, g.User));
        Assert.All(Enumerable.Range(0, byUser.Count), u => Assert.Equal(byUser.Indexes(u).ToArray().Order(), byUser.Indexes(u).ToArray()));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(1_000)]
    public void The_expected_number_of_users_does_not_change_the_grouping(int expectedUsers)
    {
        var batch = Batch("bob", "alice", "bob", "carol", "alice", "bob", "tenant/bob");

        var byUser = MatchesByUser.Of(batch, expectedUsers);

        Assert.Equal(["bob", "alice", "carol", "tenant/bob"], Enumerable.Range(0, byUser.Count).Select(byUser.UserId));
        Assert.Equal([[0, 2, 5], [1, 4], [3], [6]], Enumerable.Range(0, byUser.Count).Select(u => byUser.Indexes(u).ToArray()));
    }

    [Fact]
    public void An_empty_batch_has_no_users()
        => Assert.Equal(0, MatchesByUser.Of([]).Count);

    private static (string UserId, UserMatch Match)[] Batch(params string[] users)
        => users.Select((user, i) => (user, new UserMatch(DateTimeOffset.UnixEpoch, "i", "text", 0.5f, [], $"m{i}"))).ToArray();
}
