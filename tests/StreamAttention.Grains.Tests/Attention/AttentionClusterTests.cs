using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>The delivery policy applied by the user grains to what the scoring gateway finds, on a fake clock.</summary>
public sealed class AttentionClusterTests(AttentionClusterFixture fixture) : IClassFixture<AttentionClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    private IScoringGatewayGrain Gateway => Grains.GetGrain<IScoringGatewayGrain>(0);

    [Fact]
    public async Task The_gateway_returns_the_decisions_the_users_history_records()
    {
        const string user = "attention-agree";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with { RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)) }));

        var matches = await Gateway.Score([Texts.DatabaseMessage, Texts.DatabaseMessage + " again", "postgresql database index bloat after vacuum"], user);

        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.SuppressedDuplicate, DeliveryKinds.Deferred], matches.Select(m => m.Delivery));
        Assert.Equal(matches[0].MatchId, matches[1].DuplicateOf);
        var history = await grain.GetMatches(10);
        Assert.Equal(matches.Select(m => (m.MatchId, m.Delivery)).Reverse(), history.Select(m => (m.MatchId, m.Delivery)).Cast<(string?, string?)>());
    }

    [Fact]
    public async Task A_batch_scored_again_under_its_source_ids_gets_its_first_ids_and_decisions_and_without_them_is_decided_anew()
    {
        const string user = "attention-source-ids";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        string[] texts = [Texts.DatabaseMessage, "postgresql database index bloat after vacuum"];
        string[] sources = ["input/0/41", "input/1/42"];

        var first = await Gateway.Score(texts, user, sourceIds: sources);
        var again = await Gateway.Score(texts, user, sourceIds: sources);
        var fresh = await Gateway.Score(texts, user);

        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate], first.Select(m => m.Delivery));
        Assert.Equal(first.Select(m => (m.MatchId, m.Delivery, m.Score)), again.Select(m => (m.MatchId, m.Delivery, m.Score)));
        // The same texts without source ids are new matches: near-duplicates of the first ones.
        Assert.Equal([DeliveryKinds.SuppressedDuplicate, DeliveryKinds.SuppressedDuplicate], fresh.Select(m => m.Delivery));
        Assert.Equal(first.Select(m => m.MatchId), fresh.Select(m => m.DuplicateOf));
        // The history recorded each first decision once (the batch asked again added nothing).
        Assert.Equal(first.Select(m => m.MatchId).Concat(fresh.Select(m => m.MatchId)).Order(), (await grain.GetMatches(10)).Select(m => m.MatchId).Order());
        await Assert.ThrowsAsync<ArgumentException>(() => Gateway.Score(texts, user, sourceIds: ["input/0/41"]));
    }

    [Fact]
    public async Task The_decisions_are_those_the_history_keeps_for_every_kind_and_a_batch_asked_again_gets_them_back()
    {
        const string user = "attention-decisions";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        var now = fixture.Time.GetUtcNow();
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with
        {
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromHours(1)),
            Mutes = [new MuteRule(null, "vacuum", now.AddDays(1))],
        }));
        UserMatch Match(string id, string text, float score, bool truncated = false)
            => new(now, "db", text, score, [new Highlight("database", 0.6f)], id, Truncated: truncated, RawScore: score - 0.1f);
        UserMatch[] first =
        [
            Match("decisions-1", Texts.DatabaseMessage, 0.9f),
            Match("decisions-2", Texts.DatabaseMessage + " again", 0.9f),
            Match("decisions-3", "postgresql database index bloat after vacuum", 0.8f, truncated: true),
            Match("decisions-4", "postgresql replication lag on the replica", 0.7f),
            Match("decisions-5", "database connection pool exhausted", 0.2f),
        ];

        var decided = await grain.Decide(first);
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.SuppressedDuplicate, DeliveryKinds.Muted, DeliveryKinds.Deferred, DeliveryKinds.BelowThreshold],
            decided.Select(d => d.Delivery));
        Assert.Equal(["decisions-1"], decided.Select(d => d.DuplicateOf).OfType<string>());
        // "Not like this" on the first holds its text back from then on; the first five are asked again.
        Assert.NotNull(await grain.GiveFeedback("decisions-1", relevant: false));
        UserMatch[] second = [.. first, Match("decisions-6", Texts.DatabaseMessage, 0.9f)];
        var again = await grain.Decide(second);

        Assert.Equal(decided, again.Take(first.Length));
        Assert.Equal((DeliveryKinds.BelowThreshold, 0f), (again[^1].Delivery, again[^1].Score));
        Assert.Equal(first.Select(m => m.Score), decided.Select(d => d.Score));
        // The history keeps all six: two delivered and four held back, each fewer than it keeps of its kind.
        var kept = (await grain.GetMatches(100)).Reverse().ToArray();
        Assert.Equal(second.Select(m => m.MatchId), kept.Select(m => m.MatchId));
        for (var i = 0; i < second.Length; i++)
        {
            var expected = second[i] with { Score = again[i].Score, Delivery = again[i].Delivery, DuplicateOf = again[i].DuplicateOf };
            Assert.Equal(expected with { Highlights = [] }, kept[i] with { Highlights = [] });
            Assert.Equal(expected.Highlights, kept[i].Highlights);
        }
    }

    [Fact]
    public async Task Ten_thumbs_down_raise_the_threshold_and_lower_similar_scores_and_thumbs_up_reverse_it_within_bounds()
    {
        const string user = "attention-feedback";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f)]);
        const string similar = "slow postgresql queries after the database migration";
        var before = await ScoreAsync(similar, user);

        for (var i = 0; i < 10; i++)
        {
            Assert.NotNull(await grain.GiveFeedback((await Gateway.Score([Texts.DatabaseMessage], user)).Single().MatchId!, relevant: false));
        }

        var disliked = Assert.Single(await grain.GetFeedback());
        Assert.Equal(0.6f, disliked.Threshold, 3);
        Assert.Equal(FeedbackRule.MaxExamples, disliked.NotLikeThis);
        Assert.Equal(0.6f, (await grain.GetScoringRows()).Interests.Single().Threshold!.Value, 3);
        var after = await ScoreAsync(similar, user);
        Assert.True(after < before - 0.05f, $"{similar} scored {before} before the feedback and {after} after");

        for (var i = 0; i < 20; i++)
        {
            var match = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
            Assert.NotNull(await grain.GiveFeedback(match.MatchId!, relevant: true));
        }
        var liked = Assert.Single(await grain.GetFeedback());
        Assert.Equal((0.4f, 0), (MathF.Round(liked.Threshold, 3), liked.NotLikeThis));
        Assert.Equal(before, await ScoreAsync(similar, user), 3);
        Assert.Null(await grain.GiveFeedback("no-such-match", relevant: true));
    }

    [Fact]
    public async Task A_message_marked_not_relevant_is_held_back_when_it_comes_again_until_its_interest_is_deleted()
    {
        const string user = "attention-same-again";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f)]);
        var first = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
        Assert.NotEqual(DeliveryKinds.BelowThreshold, first.Delivery);
        Assert.NotNull(await grain.GiveFeedback(first.MatchId!, relevant: false));

        var again = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
        Assert.Equal((DeliveryKinds.BelowThreshold, 0f), (again.Delivery, again.Score));

        Assert.True(await grain.DeleteInterest("db"));
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f)]);
        Assert.Empty(await grain.GetFeedback());
        Assert.Equal(0.5f, (await grain.GetScoringRows()).Interests.Single().Threshold!.Value, 3);
        Assert.Equal(first.Score, (await Gateway.Score([Texts.DatabaseMessage], user)).Single().Score, 3);
    }

    [Fact]
    public async Task The_same_verdict_on_the_same_match_counts_once_and_the_opposite_one_takes_it_back()
    {
        const string user = "attention-verdict-once";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.5f)]);
        var match = (await Gateway.Score([Texts.DatabaseMessage], user)).Single().MatchId!;

        var first = await grain.GiveFeedback(match, relevant: false);
        var again = await grain.GiveFeedback(match, relevant: false);

        Assert.Equal(first, again);
        Assert.Equal((0.51f, 1, 1), (MathF.Round(again!.Threshold, 3), again.NotRelevant, again.NotLikeThis));
        var back = await grain.GiveFeedback(match, relevant: true);
        Assert.Equal((0.5f, 0), (MathF.Round(back!.Threshold, 3), back.NotLikeThis));
    }

    [Fact]
    public async Task Quiet_hours_defer_all_but_critical_matches_to_one_digest_at_their_end()
    {
        const string user = "attention-quiet";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        var critical = (await Gateway.Score([Texts.DatabaseMessage], user)).Single().Score - 0.01f;
        // Quiet from now on (the fake clock's local time in UTC) for three hours.
        var now = TimeOnly.FromDateTime(fixture.Time.GetUtcNow().UtcDateTime);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with
        {
            Duplicates = new DuplicatePolicy(false, TimeSpan.Zero, 1),
            QuietHours = new QuietHoursPolicy("Etc/UTC", now.AddMinutes(-1), now.AddHours(3), critical),
        }));

        var matches = await Gateway.Score([Texts.DatabaseMessage, "postgresql database backup", "database vacuum"], user);
        Assert.Equal(DeliveryKinds.Immediate, matches.Single(m => m.Score >= critical).Delivery);
        var quiet = matches.Where(m => m.Score < critical).ToArray();
        Assert.NotEmpty(quiet);
        Assert.All(quiet, m => Assert.Equal(DeliveryKinds.QuietHours, m.Delivery));

        fixture.Time.Advance(TimeSpan.FromHours(2));
        await AttentionCluster.TickAsync(Grains, user);
        Assert.Empty(fixture.Sink.Of(user));
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);
        await AttentionCluster.TickAsync(Grains, user);
        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal((DigestReasons.QuietHoursEnd, quiet.Length), (digest.Reason, digest.Total));
        Assert.Equal(digest.Id, Assert.Single(await grain.GetDigests(10)).Id);
    }

    /// <summary>
    /// A user told of an incident once, which then fires again and again, with nothing else to defer: the repeats alone
    /// register the digest's reminder, and the digest counts them against the match the person was told of.
    /// </summary>
    [Fact]
    public async Task Repeats_of_a_delivered_match_alone_bring_a_digest_that_counts_them()
    {
        const string user = "attention-repeats";
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with { Digest = new DigestPolicy(TimeSpan.FromMinutes(10), 10) }));
        var first = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
        Assert.Equal(DeliveryKinds.Immediate, first.Delivery);
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);

        foreach (var _ in new[] { 1, 2 })
        {
            var again = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
            Assert.Equal((DeliveryKinds.SuppressedDuplicate, first.MatchId), (again.Delivery, again.DuplicateOf));
        }
        Assert.Single((await ReminderRowsAsync(grain)).Reminders);

        fixture.Time.Advance(TimeSpan.FromMinutes(10));
        await AttentionCluster.TickAsync(Grains, user);
        var repeat = Assert.Single(Assert.Single(fixture.Sink.Of(user)).Repeats!);
        Assert.Equal((first.MatchId, 2, Texts.DatabaseMessage), (repeat.MatchId, repeat.Count, repeat.LastText));
    }

    private Task<ReminderTableData> ReminderRowsAsync(IUserGrain grain)
        => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>().ReadRows(grain.GetGrainId());

    private async Task<float> ScoreAsync(string text, string user) => (await Gateway.Score([text], user)).Single().Score;
}
