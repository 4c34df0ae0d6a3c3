using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// Erasing a user (GDPR art. 17) leaves nothing of it: no record in storage, no shard membership, no reminder, no tenant
/// count, no match scored for it again, and a match scored before the erasure but decided after it re-creates nothing.
/// </summary>
public sealed class UserErasureTests(AttentionClusterFixture fixture) : IClassFixture<AttentionClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    private IScoringGatewayGrain Gateway => Grains.GetGrain<IScoringGatewayGrain>(0);

    [Fact]
    public async Task Erasing_a_user_clears_its_records_membership_reminder_and_tenant_count_from_storage()
    {
        const string user = "erasure-a/stored";
        var (grain, _) = await WithMatchesFeedbackAndADigestAsync(user);
        Assert.Contains(StateNames(user), name => name.StartsWith("attention-log-", StringComparison.Ordinal));
        Assert.Contains("user", StateNames(user));
        Assert.Contains(user, Members());
        Assert.NotEmpty((await ReminderRowsAsync(grain)).Reminders);
        Assert.Equal(1, (await Grains.GetGrain<ITenantGrain>("erasure-a").GetUsage()).Users);

        await grain.Erase();

        Assert.Empty(StateNames(user));
        Assert.DoesNotContain(user, Members());
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
        Assert.Equal(0, (await Grains.GetGrain<ITenantGrain>("erasure-a").GetUsage()).Users);
        var export = await grain.Export();
        Assert.Equal((0, null, 0, 0, 0, 0), (export.Interests.Count, export.Policy, export.Feedback.Count, export.Matches.Count, export.Digests.Count,
            export.WaitingForDigest.Count));
        // Reading the erased user stores nothing again.
        Assert.Empty(StateNames(user));
    }

    [Fact]
    public async Task After_an_erasure_the_same_message_matches_the_user_no_more()
    {
        const string user = "erasure-no-match";
        var grain = await AttentionCluster.WithOneImmediateAnHourAsync(Grains, user);
        Assert.Contains(await Gateway.Score([Texts.DatabaseMessage]), m => m.UserId == user);

        await grain.Erase();

        Assert.DoesNotContain(await Gateway.Score([Texts.DatabaseMessage + " again"]), m => m.UserId == user);
        Assert.Empty(await grain.GetMatches(10));
        Assert.Empty(StateNames(user));
    }

    [Fact]
    public async Task A_match_scored_before_the_erasure_and_decided_after_it_is_withdrawn_and_recreates_nothing()
    {
        const string user = "erasure-in-flight";
        var grain = await AttentionCluster.WithOneImmediateAnHourAsync(Grains, user);
        await grain.Decide([Match("in-flight-0")]);

        await grain.Erase();
        // Decided as a new user's, they would enter its history (and a deferral its attention log).
        var decided = await grain.Decide([Match("in-flight-1"), Match("in-flight-2")]);

        Assert.Equal([DeliveryKinds.Withdrawn, DeliveryKinds.Withdrawn], decided.Select(d => d.Delivery));
        Assert.Empty(await grain.GetMatches(10));
        Assert.Empty(StateNames(user));
    }

    [Fact]
    public async Task A_match_the_shard_still_finds_after_the_erasure_reaches_no_caller()
    {
        const string user = "erasure-stale-shard";
        var grain = await AttentionCluster.WithOneImmediateAnHourAsync(Grains, user);
        var rows = await grain.GetScoringRows();
        await grain.Erase();
        // The shard as a scoring run that started before the erasure saw it: still holding the user's rows.
        var shard = Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, int.Parse(TestCluster.Settings["Sharding:ShardCount"]!)));
        await shard.Update(user, rows with { Version = rows.Version + 1 });

        var matches = await Gateway.Score([Texts.DatabaseMessage], user);

        Assert.Empty(matches);
        Assert.Empty(await grain.GetMatches(10));
        Assert.Empty(StateNames(user));
    }

    [Fact]
    public async Task A_user_erased_and_created_again_starts_empty_and_erasing_nothing_succeeds()
    {
        const string user = "erasure-b/again";
        var (grain, _) = await WithMatchesFeedbackAndADigestAsync(user);
        await grain.Erase();
        await grain.Erase();

        Assert.Empty((await grain.PutInterests([new InterestInput("other", Texts.RacingInterest)])).Errors);

        var export = await grain.Export();
        Assert.Equal(["other"], export.Interests.Select(i => i.Id));
        Assert.Null(export.Policy);
        Assert.Empty(export.Feedback);
        Assert.Empty(export.Matches);
        Assert.Empty(export.Digests);
        Assert.Equal(1, (await Grains.GetGrain<ITenantGrain>("erasure-b").GetUsage()).Interests);
        await Grains.GetGrain<IUserGrain>("erasure-never-stored").Erase();
        Assert.Empty(StateNames("erasure-never-stored"));
    }

    /// <summary>
    /// The erased user's digests stay on the digest topic (Kafka cannot take them back), and consumers drop a digest
    /// whose id they saw as a resent one: the same user id created again must not reuse those ids.
    /// </summary>
    [Fact]
    public async Task A_user_erased_and_created_again_gets_digest_ids_the_erased_one_never_had()
    {
        const string user = "erasure-d/again";
        var (grain, _) = await WithMatchesFeedbackAndADigestAsync(user);
        await grain.Erase();

        await WithMatchesFeedbackAndADigestAsync(user);

        var digests = fixture.Sink.Of(user);
        Assert.Equal(2, digests.Count);
        Assert.NotEqual(digests[0].Id, digests[1].Id);
    }

    [Fact]
    public async Task The_export_holds_the_users_interests_policy_feedback_matches_digests_and_waiting_matches()
    {
        const string user = "erasure-export";
        var (grain, waiting) = await WithMatchesFeedbackAndADigestAsync(user);

        var export = await grain.Export();

        Assert.Equal(user, export.UserKey);
        Assert.Equal(["db"], export.Interests.Select(i => i.Id));
        Assert.Equal(new RateLimitPolicy(1, TimeSpan.FromHours(1)), export.Policy?.RateLimit);
        Assert.Equal(1, Assert.Single(export.Feedback).Relevant);
        Assert.Equal((await grain.GetMatches(100)).Select(m => m.MatchId), export.Matches.Select(m => m.MatchId));
        Assert.Equal(fixture.Sink.Of(user).Select(d => d.Id), export.Digests.Select(d => d.Id));
        Assert.Equal(waiting, export.WaitingForDigest.Select(m => m.MatchId));
    }

    /// <summary>A suppressed duplicate waits, counted, for the next digest: the export holds it with its text.</summary>
    [Fact]
    public async Task The_export_holds_the_repeats_waiting_for_the_next_digest()
    {
        var grain = Grains.GetGrain<IUserGrain>("erasure-export-repeats");
        Assert.Empty((await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)])).Errors);
        var (first, again) = (Match("first") with { Text = Texts.DatabaseMessage }, Match("again") with { Text = Texts.DatabaseMessage });

        var decided = await grain.Decide([first, again]);

        Assert.Equal((DeliveryKinds.SuppressedDuplicate, "first"), (decided[1].Delivery, decided[1].DuplicateOf));
        var repeat = Assert.Single((await grain.Export()).RepeatsWaitingForDigest);
        Assert.Equal(("first", 1, Texts.DatabaseMessage), (repeat.MatchId, repeat.Count, repeat.LastText));
    }

    /// <summary>
    /// What the next digest only counts was not in the export: the matches waiting unlisted (worse than those it lists),
    /// and the repeats of originals forgotten past the bound on those kept, which its <c>moreRepeats</c> counts.
    /// </summary>
    [Fact]
    public async Task The_export_holds_the_counts_the_next_digest_only_counts()
    {
        var grain = Grains.GetGrain<IUserGrain>("erasure-export-counts");
        Assert.Empty((await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)])).Errors);
        // Each original at once followed by its repeat: one original more than the repeats keep (one per fingerprint kept).
        var originals = InterestLimitsOptions.DefaultMaxFingerprints + 1;
        var matches = Enumerable.Range(0, originals).SelectMany(i => new[] { Alert(i, $"o{i}"), Alert(i, $"r{i}") }).ToArray();

        var decided = await grain.Decide(matches);

        Assert.Equal(originals, decided.Count(d => d.Delivery == DeliveryKinds.SuppressedDuplicate));
        var export = await grain.Export();
        // The default policy notifies 10 at once and lists 10 in a digest; the other originals, no better, are counted.
        var (immediate, listed) = (DeliveryPolicy.Default.RateLimit.MaxImmediate, DeliveryPolicy.Default.Digest.DigestSize);
        Assert.Equal(listed, export.WaitingForDigest.Count);
        Assert.Equal(new Dictionary<string, int> { ["db"] = originals - immediate - listed }, export.UnlistedWaitingForDigest);
        Assert.Equal((originals - 1, 1), (export.RepeatsWaitingForDigest.Count, export.ForgottenRepeatsWaitingForDigest));
    }

    /// <summary>
    /// <see cref="IUserGrain.HoldsAnything"/> answers whether the export keeps anything, for each kind of data kept, each
    /// left alone where the grain allows it: a match outlives its interest; a digest and a match waiting for one outlive it
    /// with the policy that deferred them; feedback goes with its interest.
    /// </summary>
    [Theory]
    [InlineData("nothing")]
    [InlineData("interest")]
    [InlineData("policy")]
    [InlineData("feedback")]
    [InlineData("match")]
    [InlineData("digest")]
    [InlineData("waiting")]
    public async Task Holding_anything_is_the_export_keeping_anything(string kept)
    {
        var grain = Grains.GetGrain<IUserGrain>($"holds-{kept}");
        switch (kept)
        {
            case "interest":
                Assert.Empty((await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)])).Errors);
                break;
            case "policy":
                Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default));
                break;
            case "feedback" or "match":
                Assert.Empty((await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)])).Errors);
                await grain.Decide([Match($"{kept}-0")]);
                Assert.True(kept == "feedback" ? await grain.GiveFeedback($"{kept}-0", relevant: true) is not null : await grain.DeleteInterest("db"));
                break;
            case "digest" or "waiting":
                grain = await AttentionCluster.WithOneImmediateAnHourAsync(Grains, $"holds-{kept}");
                // The first is notified, the second waits for the digest (which a tick an hour later sends).
                await grain.Decide([Match($"{kept}-0"), Match($"{kept}-1")]);
                if (kept == "digest")
                {
                    fixture.Time.Advance(TimeSpan.FromHours(1));
                    await AttentionCluster.TickAsync(Grains, $"holds-{kept}");
                }
                Assert.True(await grain.DeleteInterest("db"));
                break;
        }

        var export = await grain.Export();

        var counts = new Dictionary<string, int>
        {
            ["interest"] = export.Interests.Count,
            ["policy"] = export.Policy is null ? 0 : 1,
            ["feedback"] = export.Feedback.Count,
            ["match"] = export.Matches.Count,
            ["digest"] = export.Digests.Count,
            ["waiting"] = export.WaitingForDigest.Count,
        };
        Assert.True(kept == "nothing" ? counts.Values.All(c => c == 0) : counts[kept] > 0);
        Assert.Equal(kept != "nothing", await grain.HoldsAnything());
        Assert.Equal(!export.KeepsNothing(), await grain.HoldsAnything());
        Assert.Equal(export.Interests.Count > 0, await grain.HasInterests());
    }

    /// <summary>
    /// A user with an interest, a policy, a notified match with 👍, a digest sent, and deferred matches in its attention
    /// log waiting for the next digest (which keeps its reminder registered): their ids.
    /// </summary>
    [Fact]
    public async Task A_failed_step_is_named_with_the_steps_done_and_left_and_a_retry_finishes_the_erasure()
    {
        const string user = "erasure-c/step-fails";
        var (grain, _) = await WithMatchesFeedbackAndADigestAsync(user);
        fixture.Store.FailClearsOf("user");
        UserErasureOutcome failed;
        try
        {
            failed = await grain.Erase();
        }
        finally
        {
            fixture.Store.FailClearsOf(null);
        }

        Assert.Equal(UserErasureSteps.State, failed.FailedStep);
        Assert.Equal([UserErasureSteps.Scoring, UserErasureSteps.TenantCount, UserErasureSteps.DigestReminder, UserErasureSteps.AttentionLog,
            UserErasureSteps.Expansions], failed.Done);
        Assert.Equal([UserErasureSteps.State, UserErasureSteps.LiveStreams], failed.Left);
        // What the done steps removed stays removed; the state is still there for the retry.
        Assert.Equal(["user"], StateNames(user));
        Assert.DoesNotContain(user, Members());
        Assert.Equal(0, (await Grains.GetGrain<ITenantGrain>("erasure-c").GetUsage()).Users);

        var retried = await grain.Erase();

        Assert.Null(retried.FailedStep);
        Assert.Equal(UserErasureSteps.All, retried.Done);
        Assert.Empty(StateNames(user));
        Assert.Equal(0, (await Grains.GetGrain<ITenantGrain>("erasure-c").GetUsage()).Users);
        Assert.Empty((await grain.Export()).Interests);
    }

    private async Task<(IUserGrain Grain, string[] Waiting)> WithMatchesFeedbackAndADigestAsync(string user)
    {
        var grain = await AttentionCluster.WithOneImmediateAnHourAsync(Grains, user);
        var notified = (await Gateway.Score([Texts.DatabaseMessage], user)).Single();
        Assert.NotNull(await grain.GiveFeedback(notified.MatchId!, relevant: true));
        await Gateway.Score([Texts.DatabaseMessage + " number 1"], user);
        var digestsBefore = fixture.Sink.Of(user).Count;
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);
        Assert.Equal(digestsBefore + 1, fixture.Sink.Of(user).Count);
        // The first of these two may open the next hour's rate-limit window; the second waits.
        var later = (await Gateway.Score([Texts.DatabaseMessage + " number 2", Texts.DatabaseMessage + " number 3"], user)).ToArray();
        Assert.Equal(DeliveryKinds.Deferred, later[^1].Delivery);
        return (grain, [.. later.Where(m => m.Delivery == DeliveryKinds.Deferred).Select(m => m.MatchId!)]);
    }

    private UserMatch Match(string id) => new(fixture.Time.GetUtcNow(), "db", $"{Texts.DatabaseMessage} {id}", 0.9f, [], id);

    /// <summary>Alert <paramref name="i"/>: words of its own, so it is no near-duplicate of another alert, only of itself.</summary>
    private UserMatch Alert(int i, string id)
        => new(fixture.Time.GetUtcNow(), "db", "alert " + string.Join(' ', Enumerable.Range(i * 8, 8).Select(w => new string([(char)('a' + w % 26), (char)('a' + w / 26 % 26), (char)('a' + w / 676 % 26), 'x']))), 0.9f, [], id);

    /// <summary>The names of the records stored for <paramref name="user"/>'s grain.</summary>
    private string[] StateNames(string user)
        => [.. fixture.Store.Entries.Keys.Where(k => k.Grain.Key.ToString() == user).Select(k => k.StateName)];

    /// <summary>Every user the shards' stored memberships list.</summary>
    private string[] Members()
        => [.. fixture.Store.Entries.Where(e => e.Key.StateName == "shard").SelectMany(e => ((ShardMembershipState)e.Value.State).Users)];

    private Task<ReminderTableData> ReminderRowsAsync(IUserGrain grain)
        => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>().ReadRows(grain.GetGrainId());
}
