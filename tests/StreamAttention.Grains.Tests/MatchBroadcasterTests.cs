using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A silo's broadcaster keeps the latest matches for listeners that resume after the last match they saw, and counts
/// what a listener that fell behind lost.
/// </summary>
public sealed class MatchBroadcasterTests
{
    [Fact]
    public async Task A_resumed_listener_gets_its_matches_after_the_one_it_saw_then_the_new_ones()
    {
        var broadcaster = Broadcaster(resumeMatches: 10);
        using var watching = broadcaster.Subscribe("b", capacity: 10);
        await broadcaster.OnMatches(Batch(("a", "m1"), ("b", "m2"), ("a", "m3")));
        await broadcaster.OnMatches(Batch(("a", "m4")));

        using var resumed = broadcaster.Subscribe("a", capacity: 10, resumeAfter: "m1");
        await broadcaster.OnMatches(Batch(("b", "m5"), ("a", "m6")));

        Assert.Equal(["m3", "m4", "m6"], Drain(resumed));
        Assert.False(resumed.MayHaveMissed);
    }

    [Fact]
    public async Task A_match_scored_again_resumes_after_its_latest_copy()
    {
        var broadcaster = Broadcaster(resumeMatches: 10);
        using var watching = broadcaster.Subscribe("b", capacity: 10);
        await broadcaster.OnMatches(Batch(("a", "m1"), ("a", "m2"), ("a", "m1"), ("a", "m3")));

        using var resumed = broadcaster.Subscribe(null, capacity: 10, resumeAfter: "m1");

        Assert.Equal(["m3"], Drain(resumed));
    }

    [Fact]
    public async Task A_listener_that_saw_a_match_no_longer_kept_gets_every_kept_one_and_is_told_it_may_have_missed_some()
    {
        var broadcaster = Broadcaster(resumeMatches: 3);
        using var watching = broadcaster.Subscribe("b", capacity: 10);
        await broadcaster.OnMatches(Batch(("a", "m1"), ("a", "m2"), ("t/b", "m3"), ("a", "m4"), ("t/c", "m5")));

        using var everyone = broadcaster.Subscribe(null, capacity: 10, resumeAfter: "m1");
        using var tenant = broadcaster.Subscribe(null, capacity: 10, tenant: "t", resumeAfter: "m1");
        using var fresh = broadcaster.Subscribe("a", capacity: 10);

        Assert.Equal(["m3", "m4", "m5"], Drain(everyone));
        Assert.Equal(["m3", "m5"], Drain(tenant));
        Assert.True(everyone.MayHaveMissed && tenant.MayHaveMissed);
        Assert.Empty(Drain(fresh));
        Assert.False(fresh.MayHaveMissed);
    }

    [Fact]
    public async Task A_listener_resuming_after_another_users_or_tenants_match_is_told_it_may_have_missed_some_as_for_an_unknown_id()
    {
        // A match id derived from a Kafka message's source id can be computed by anyone who knows the message, a user
        // key and an interest id: whether it is kept must not tell a listener that another tenant's user matched.
        var broadcaster = Broadcaster(resumeMatches: 10);
        using var watching = broadcaster.Subscribe("b", capacity: 10);
        await broadcaster.OnMatches(Batch(("acme/bob", "m1"), ("globex/alice", "m2"), ("acme/bob", "m3")));

        using var user = broadcaster.Subscribe("acme/bob", capacity: 10, resumeAfter: "m2");
        using var tenant = broadcaster.Subscribe(null, capacity: 10, tenant: "acme", resumeAfter: "m2");
        using var unknown = broadcaster.Subscribe("acme/bob", capacity: 10, resumeAfter: "never-formed");

        Assert.Equal(["m1", "m3"], Drain(user));
        Assert.Equal(["m1", "m3"], Drain(tenant));
        Assert.Equal(["m1", "m3"], Drain(unknown));
        Assert.True(user.MayHaveMissed && tenant.MayHaveMissed && unknown.MayHaveMissed);
    }

    [Fact]
    public async Task Without_kept_matches_a_resumed_listener_gets_new_ones_only_and_is_told_so()
    {
        var broadcaster = Broadcaster(resumeMatches: 0);
        using var watching = broadcaster.Subscribe("b", capacity: 10);
        await broadcaster.OnMatches(Batch(("a", "m1"), ("a", "m2")));

        using var resumed = broadcaster.Subscribe("a", capacity: 10, resumeAfter: "m1");
        await broadcaster.OnMatches(Batch(("a", "m3")));

        Assert.Equal(["m3"], Drain(resumed));
        Assert.True(resumed.MayHaveMissed);
    }

    [Fact]
    public async Task Matches_are_kept_while_someone_listens_and_for_the_resume_window_after_the_last_one_left()
    {
        var time = new FakeTimeProvider();
        var broadcaster = Broadcaster(resumeMatches: 10, time);
        await broadcaster.OnMatches(Batch(("a", "m1")));
        using (var nobodyWatched = broadcaster.Subscribe("a", capacity: 10, resumeAfter: "m0"))
        {
            Assert.Equal((true, 0), (nobodyWatched.MayHaveMissed, Drain(nobodyWatched).Count));
        }

        // The client above left: matches are kept for the window, then no longer, and what was kept is dropped.
        time.Advance(LiveFeedWindow - TimeSpan.FromSeconds(1));
        await broadcaster.OnMatches(Batch(("a", "m2"), ("a", "m3")));
        using (var withinWindow = broadcaster.Subscribe("a", capacity: 10, resumeAfter: "m2"))
        {
            Assert.Equal(["m3"], Drain(withinWindow));
            Assert.False(withinWindow.MayHaveMissed);
        }
        time.Advance(LiveFeedWindow);
        await broadcaster.OnMatches(Batch(("a", "m4")));
        using var afterWindow = broadcaster.Subscribe("a", capacity: 10, resumeAfter: "m3");

        Assert.Equal((true, 0), (afterWindow.MayHaveMissed, Drain(afterWindow).Count));
    }

    [Fact]
    public async Task A_listener_that_falls_behind_loses_its_oldest_matches_and_is_told_how_many()
    {
        var broadcaster = Broadcaster(resumeMatches: 0);
        using var slow = broadcaster.Subscribe("a", capacity: 2);

        await broadcaster.OnMatches(Batch(("a", "m1"), ("a", "m2"), ("b", "m3"), ("a", "m4"), ("a", "m5")));

        Assert.Equal((2L, 0L), (slow.TakeDropped(), slow.TakeDropped()));
        Assert.Equal(["m4", "m5"], Drain(slow));
    }

    [Fact]
    public async Task An_erased_users_streams_end_and_its_kept_matches_are_no_longer_resumed()
    {
        var broadcaster = Broadcaster(resumeMatches: 10);
        using var erased = broadcaster.Subscribe("t/a", capacity: 10);
        using var other = broadcaster.Subscribe("t/b", capacity: 10);
        using var tenant = broadcaster.Subscribe(null, capacity: 10, tenant: "t");
        await broadcaster.OnMatches(Batch(("t/a", "m1"), ("t/b", "m2"), ("t/a", "m3"), ("t/b", "m4")));

        await broadcaster.OnUserErased(new UserErasure("t/a", DateTimeOffset.UtcNow), ErasureMark.BeforeAny);

        // The stream's reader gets what was queued, then sees the end.
        Assert.Equal(["m1", "m3"], Drain(erased));
        Assert.True(erased.Reader.Completion.IsCompleted);
        Assert.False(other.Reader.Completion.IsCompleted);
        Assert.False(tenant.Reader.Completion.IsCompleted);
        using var resumed = broadcaster.Subscribe(null, capacity: 10, tenant: "t", resumeAfter: "m0");
        Assert.Equal(["m2", "m4"], Drain(resumed));
        await broadcaster.OnMatches(Batch(("t/b", "m5")));
        using var resumedAfterErasure = broadcaster.Subscribe(null, capacity: 10, resumeAfter: "m2");
        Assert.Equal(["m4", "m5"], Drain(resumedAfterErasure));
    }

    [Fact]
    public async Task A_batch_decided_before_an_erasure_that_arrives_after_it_reaches_no_stream_and_is_not_kept()
    {
        var time = new FakeTimeProvider();
        var erasedAt = time.GetUtcNow();
        var broadcaster = Broadcaster(resumeMatches: 10, time);
        using var tenant = broadcaster.Subscribe(null, capacity: 10, tenant: "t");
        using var everyone = broadcaster.Subscribe(null, capacity: 10);
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(-2), ("t/b", "m0")));

        await broadcaster.OnUserErased(new UserErasure("t/a", erasedAt), ErasureMark.BeforeAny);
        // Decided before the erasure, still in a silo's delivery queue when it was told.
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(-1), ("t/a", "m1"), ("t/b", "m2")));

        Assert.Equal(["m0", "m2"], Drain(tenant));
        Assert.Equal(["m0", "m2"], Drain(everyone));
        using var resumed = broadcaster.Subscribe(null, capacity: 10, resumeAfter: "m0");
        Assert.Equal(["m2"], Drain(resumed));
        // The user created again: its later matches and streams pass.
        time.Advance(TimeSpan.FromSeconds(1));
        using var recreated = broadcaster.Subscribe("t/a", capacity: 10);
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(1), ("t/a", "m3")));
        Assert.Equal(["m3"], Drain(recreated));
        Assert.Equal(["m3"], Drain(everyone));
    }

    [Fact]
    public async Task A_silo_that_missed_an_erasure_applies_it_when_it_subscribes_and_a_replay_spares_the_users_new_stream()
    {
        var time = new FakeTimeProvider();
        var broadcaster = Broadcaster(resumeMatches: 10, time);
        using var erased = broadcaster.Subscribe("t/a", capacity: 10);
        var erasedAt = time.GetUtcNow();
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(-1), ("t/a", "m1"), ("t/b", "m2")));
        var feed = new ReplayingFeed([new UserErasure("t/a", erasedAt)]);

        await broadcaster.SubscribeAsync(feed, broadcaster);

        Assert.Equal(["m1"], Drain(erased));
        Assert.True(erased.Reader.Completion.IsCompleted);
        using var resumed = broadcaster.Subscribe(null, capacity: 10, resumeAfter: "m0");
        Assert.Equal(["m2"], Drain(resumed));
        // The next refresh replays the same erasure: the stream of the user created again meanwhile stays open.
        time.Advance(TimeSpan.FromSeconds(1));
        using var recreated = broadcaster.Subscribe("t/a", capacity: 10);
        await broadcaster.SubscribeAsync(feed, broadcaster);
        Assert.False(recreated.Reader.Completion.IsCompleted);
    }

    [Fact]
    public async Task An_erasure_past_the_erasure_memory_is_forgotten_at_the_next_batch_without_another_erasure()
    {
        var time = new FakeTimeProvider();
        var erasedAt = time.GetUtcNow();
        var broadcaster = Broadcaster(resumeMatches: 10, time);
        using var everyone = broadcaster.Subscribe(null, capacity: 10);
        await broadcaster.OnUserErased(new UserErasure("t/a", erasedAt), ErasureMark.BeforeAny);
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(-1), ("t/a", "m1")));
        Assert.Empty(Drain(everyone));

        time.Advance(new LiveFeedOptions().ErasureMemory + TimeSpan.FromSeconds(1));
        // Formed before the erasure, arriving past the memory: the erasure is no longer remembered, so nothing drops it.
        await broadcaster.OnMatches(Batch(erasedAt.AddSeconds(-1), ("t/a", "m2")));

        Assert.Equal(["m2"], Drain(everyone));
    }

    /// <summary>A feed that replays <paramref name="erasures"/> to every subscription (as after this silo missed them).</summary>
    private sealed class ReplayingFeed(IReadOnlyList<UserErasure> erasures) : IMatchFeedGrain
    {
        public Task<LiveFeedSubscription> Subscribe(IMatchFeedObserver observer) => Task.FromResult(new LiveFeedSubscription(erasures, ErasureMark.BeforeAny));

        public Task Unsubscribe(IMatchFeedObserver observer) => Task.CompletedTask;

        public Task Publish(LiveBatch batch) => Task.CompletedTask;

        public Task EraseUser(UserErasure erasure) => Task.CompletedTask;

        public Task<ErasureMark> CurrentErasureMark() => Task.FromResult(ErasureMark.BeforeAny);

        public Task<IReadOnlyList<string>> ErasedAfter(ErasureMark mark) => Task.FromResult<IReadOnlyList<string>>([.. erasures.Select(e => e.UserKey)]);
    }

    /// <summary>The broadcaster alone: its subscription to the cluster's feed is a hosted service these tests do not start.</summary>
    private static MatchBroadcaster Broadcaster(int resumeMatches, TimeProvider? time = null)
        => new(grains: null!, Microsoft.Extensions.Options.Options.Create(new LiveFeedOptions { ResumeMatches = resumeMatches }), time ?? TimeProvider.System,
            NullLogger<MatchBroadcaster>.Instance);

    private static readonly TimeSpan LiveFeedWindow = new LiveFeedOptions().ResumeWindow;

    private static LiveBatch Batch(params (string UserId, string MatchId)[] matches) => Batch(DateTimeOffset.UnixEpoch, matches);

    private static LiveBatch Batch(DateTimeOffset at, params (string UserId, string MatchId)[] matches)
        => new(at, ["text"], [.. matches.Select(m => new TextMatch(0, m.UserId, "i", 0.9f, [], m.MatchId))]);

    private static List<string> Drain(MatchBroadcaster.Subscription subscription)
    {
        var ids = new List<string>();
        while (subscription.Reader.TryRead(out var match))
        {
            ids.Add(match.Match.MatchId);
        }
        return ids;
    }
}
