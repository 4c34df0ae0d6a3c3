using StreamAttention.Contracts;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Grains.Tests;

public sealed class UserGrainTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private IUserGrain User(string id) => fixture.Grains.GetGrain<IUserGrain>(id);

    [Fact]
    public async Task Interests_round_trip_create_read_update_delete()
    {
        var user = User("crud");
        var created = await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest), new InterestInput("f1", Texts.RacingInterest, 0.5f)]);
        Assert.Empty(created.Errors);
        Assert.Equal(2, created.Stored.Count);

        var db = await user.GetInterest("db");
        Assert.Equal(Texts.DatabaseInterest, db!.Text);
        Assert.Null(db.Threshold);
        Assert.Equal(["db", "f1"], (await user.GetInterests()).Select(i => i.Id));

        var updated = await user.PutInterests([new InterestInput("db", "postgresql replication", 0.8f)]);
        var stored = Assert.Single(updated.Stored);
        Assert.Equal(db.Created, stored.Created);
        Assert.True(stored.Updated > db.Updated);
        Assert.Equal(0.8f, (await user.GetInterest("db"))!.Threshold);

        Assert.True(await user.DeleteInterest("db"));
        Assert.False(await user.DeleteInterest("db"));
        Assert.Null(await user.GetInterest("db"));
        Assert.Equal(["f1"], (await user.GetInterests()).Select(i => i.Id));
    }

    [Fact]
    public async Task Invalid_inputs_are_rejected_one_by_one_and_valid_ones_stored()
    {
        var user = User("validation");
        var result = await user.PutInterests(
        [
            new InterestInput("ok", Texts.DatabaseInterest),
            new InterestInput("bad id", "text"),
            // Dot segments: a URL path resolves them away, so no route could reach the interest.
            new InterestInput("..", Texts.DatabaseInterest),
            new InterestInput(".", Texts.DatabaseInterest),
            new InterestInput("empty", " "),
            new InterestInput("long", new string('a', TestCluster.MaxTextLength + 1)),
            new InterestInput("threshold", "database", 1.5f),
            new InterestInput("unknown", "qwzxv zzqxj"),
            new InterestInput("ok", Texts.RacingInterest),
        ]);
        Assert.Equal(["ok"], result.Stored.Select(s => s.Id));
        Assert.Equal([(1, "id"), (2, "id"), (3, "id"), (4, "text"), (5, "text"), (6, "threshold"), (7, "text"), (8, "id")], result.Errors.Select(e => (e.Index, e.Field)));
        Assert.Contains("more than once", result.Errors[^1].Message);
        Assert.Contains("known", result.Errors[6].Message);
        Assert.Equal(["ok"], (await user.GetInterests()).Select(i => i.Id));
    }

    [Fact]
    public async Task A_user_keeps_at_most_the_configured_number_of_interests()
    {
        var user = User("limit");
        var inputs = Enumerable.Range(0, TestCluster.MaxInterestsPerUser + 2).Select(i => new InterestInput($"i{i}", Texts.DatabaseInterest)).ToArray();
        var result = await user.PutInterests(inputs);
        Assert.Equal(TestCluster.MaxInterestsPerUser, result.Stored.Count);
        Assert.All(result.Errors, e => Assert.Contains("maximum", e.Message));
        // Replacing an existing interest is still allowed at the limit.
        Assert.Empty((await user.PutInterests([new InterestInput("i0", Texts.RacingInterest)])).Errors);
    }

    [Fact]
    public async Task A_failed_storage_write_leaves_the_previous_interests_and_scores()
    {
        var user = User("failing-write");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        fixture.Store.FailWrites = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => user.PutInterests([new InterestInput("db", Texts.RacingInterest, Texts.RacingThreshold)]));
        }
        finally
        {
            fixture.Store.FailWrites = false;
        }
        Assert.Equal(Texts.DatabaseInterest, (await user.GetInterest("db"))!.Text);
        var gateway = fixture.Grains.GetGrain<IScoringGatewayGrain>(0);
        Assert.Single(await gateway.Score([Texts.DatabaseMessage], "failing-write"));
        Assert.Empty(await gateway.Score([Texts.RacingMessage], "failing-write"));
    }

    /// <summary>
    /// Feedback (👎 on a second match moves the threshold again) and a delete (which takes the interest's feedback with it)
    /// change what the shard's rows hold. Their write fails while a shard rebuilding reads the rows (the call interleaves):
    /// the rows read then, and the interests, feedback and rows after, are those stored before (a shard given the rows of
    /// the failed delete would never score the interest the user still holds); asked again once storage is back, the
    /// call succeeds.
    /// </summary>
    [Theory]
    [InlineData("feedback")]
    [InlineData("delete")]
    public async Task A_call_whose_write_fails_leaves_the_feedback_and_rows_as_stored_and_succeeds_when_retried(string call)
    {
        var user = User($"failing-{call}");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f), new InterestInput("f1", Texts.RacingInterest)]);
        var at = DateTimeOffset.UtcNow;
        await user.Decide([.. new[] { "alpha", "bravo" }.Select(region =>
            new UserMatch(at, "db", $"{Texts.DatabaseMessage} in region {region}", 0.9f, [], $"{call}-{region}"))]);
        Assert.NotNull(await user.GiveFeedback($"{call}-alpha", relevant: false));
        Task Change() => call == "feedback" ? user.GiveFeedback($"{call}-bravo", relevant: false) : user.DeleteInterest("db");
        var (interests, feedback, rows) = (await user.GetInterests(), await user.GetFeedback(), await user.GetScoringRows());
        void AssertAsStored(UserScoringRows read)
        {
            Assert.Equal(rows.Version, read.Version);
            Assert.Equal(rows.Interests.Select(i => (i.Id, i.Threshold)).Order(), read.Interests.Select(i => (i.Id, i.Threshold)).Order());
        }
        var during = await RowsReadWhileAWriteFailsAsync(fixture.Store, user, Change);

        AssertAsStored(during);
        Assert.Equal(interests, await user.GetInterests());
        Assert.Equal(feedback, await user.GetFeedback());
        AssertAsStored(await user.GetScoringRows());

        await Change();
        Assert.NotEqual(feedback, await user.GetFeedback());
        Assert.Equal(rows.Version + 1, (await user.GetScoringRows()).Version);
    }

    /// <summary>
    /// The rows <paramref name="user"/> gives (the call interleaves) while the state write of <paramref name="write"/> is
    /// held, which then fails: returned once <paramref name="write"/> has thrown.
    /// </summary>
    public static async Task<UserScoringRows> RowsReadWhileAWriteFailsAsync(SharedGrainStore store, IUserGrain user, Func<Task> write)
    {
        var heldBefore = store.WritesHeld;
        store.HoldWrites();
        try
        {
            var writing = write();
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(store.WritesHeld > heldBefore);
                return Task.CompletedTask;
            });
            var during = await user.GetScoringRows();
            // The user's state by name: writes of other grains of the cluster may be held too.
            store.FailWritesOf("user");
            store.ReleaseWrites();
            await Assert.ThrowsAnyAsync<Exception>(() => writing);
            return during;
        }
        finally
        {
            store.ReleaseWrites();
            store.FailWritesOf(null);
        }
    }

    [Fact]
    public async Task Match_history_keeps_the_most_recent_delivered_and_held_back_matches_apart_newest_first()
    {
        var user = User("history");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        var gateway = fixture.Grains.GetGrain<IScoringGatewayGrain>(0);
        var decided = new List<TextMatch>();
        for (var i = 0; i < 3 * TestCluster.HistorySize; i++)
        {
            decided.AddRange(await gateway.Score([$"{Texts.DatabaseMessage} number {i}"], "history"));
        }
        // The user grain records each match as it decides it, before the scoring call returns; the repeats are
        // suppressed as duplicates, and they do not push the delivered ones out.
        var heldBack = decided.Where(m => m.Delivery == DeliveryKinds.SuppressedDuplicate).ToArray();
        var delivered = decided.Where(m => m.Delivery is DeliveryKinds.Immediate or DeliveryKinds.Deferred).ToArray();
        Assert.Equal(decided.Count, heldBack.Length + delivered.Length);
        Assert.True(heldBack.Length > TestCluster.HistorySize, $"{heldBack.Length} duplicates");
        var expected = delivered.TakeLast(TestCluster.HistorySize).Concat(heldBack.TakeLast(TestCluster.HistorySize))
            .OrderByDescending(m => decided.IndexOf(m)).Select(m => m.MatchId).ToArray();

        var history = await user.GetMatches(100);
        Assert.Equal(expected, history.Select(m => m.MatchId).ToArray());
        Assert.Contains(history, m => m.Delivery == DeliveryKinds.Immediate);
        Assert.EndsWith($"number {3 * TestCluster.HistorySize - 1}", history[0].Text);
        Assert.All(history, m => Assert.Equal("db", m.InterestId));
        Assert.Equal(expected[..2], (await user.GetMatches(2)).Select(m => m.MatchId).ToArray());
    }

    [Fact]
    public async Task A_retried_batch_keeps_its_decisions_and_feedback_finds_only_the_kept_matches()
    {
        var user = User("history-by-id");
        await user.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        var at = DateTimeOffset.UtcNow;
        UserMatch Match(int n) => new(at, "db", $"{Texts.DatabaseMessage} number {n}", 0.9f, [new Highlight("database", 0.6f)], $"by-id-{n}");

        var first = await user.Decide([Match(0)]);
        var again = await user.Decide([Match(0) with { Score = 0.1f }]);
        Assert.Equal(first.Single(), again.Single());
        Assert.Equal(0.9f, again.Single().Score);
        var kept = (await user.GetMatches(100)).Single();
        Assert.Equal(Match(0) with { Delivery = first.Single().Delivery, Highlights = [] }, kept with { Highlights = [] });
        Assert.Equal(Match(0).Highlights, kept.Highlights);

        // Texts that differ by a word are news, not duplicates: each is delivered, and the last pushes the first out.
        string[] regions = ["alpha", "bravo", "charlie", "delta", "echo"];
        var delivered = await user.Decide(Enumerable.Range(1, TestCluster.HistorySize)
            .Select(n => Match(n) with { Text = $"{Texts.DatabaseMessage} in region {regions[n - 1]}" }).ToArray());
        Assert.All(delivered, d => Assert.Contains(d.Delivery, new[] { DeliveryKinds.Immediate, DeliveryKinds.Deferred }));

        Assert.Null(await user.GiveFeedback("by-id-0", relevant: true));
        Assert.NotNull(await user.GiveFeedback("by-id-1", relevant: true));
        Assert.Equal($"by-id-{TestCluster.HistorySize}", (await user.GetMatches(1)).Single().MatchId);
    }
}
