using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// A batch's decisions: every matched user asked at once, a user whose grain fails asked again a bounded number of
/// times, then left undecided (its own failure) or the batch failed (the cluster's). The failures are writes of the
/// user's attention log (a deferral lists the match for a digest and writes it) and a user's state that cannot be read.
/// </summary>
public sealed class DeliveryDecisionsTests(AttentionClusterFixture fixture) : IClassFixture<AttentionClusterFixture>
{
    private DeliveryDecisions Decisions => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<DeliveryDecisions>();

    [Fact]
    public async Task A_user_whose_decision_failed_is_asked_again_and_the_batch_gets_every_decision()
    {
        var (writing, _, batch) = await TwoUsersBatchAsync("retry");
        var failedBefore = fixture.Store.WritesFailed;

        fixture.Store.FailNextWrites(1);
        var decided = await Decisions.DecideAsync(batch, CancellationToken.None);

        Assert.Equal(1, fixture.Store.WritesFailed - failedBefore);
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate, DeliveryKinds.Deferred], decided.Decisions.Select(d => d.Delivery));
        Assert.Empty(decided.UndecidedUsers);
        var history = await fixture.Grains.GetGrain<IUserGrain>(writing).GetMatches(10);
        Assert.Equal([DeliveryKinds.Deferred, DeliveryKinds.Immediate], history.Select(m => m.Delivery));
    }

    [Fact]
    public async Task A_user_that_keeps_failing_has_its_matches_undecided_with_the_error_and_the_others_decided()
    {
        var (writing, other, batch) = await TwoUsersBatchAsync("fail");
        var failedBefore = fixture.Store.WritesFailed;
        var undecidedCounter = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<AttentionInstruments>().Undecided;
        var counted = 0L;
        // This silo's counter only: other test classes' clusters count on instruments of their own.
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, undecidedCounter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();

        fixture.Store.FailNextWrites(int.MaxValue);
        BatchDecisions decided;
        try
        {
            decided = await Decisions.DecideAsync(batch, CancellationToken.None);
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }

        Assert.Equal(4, fixture.Store.WritesFailed - failedBefore);
        Assert.Equal([DeliveryKinds.Undecided, DeliveryKinds.Immediate, DeliveryKinds.Undecided], decided.Decisions.Select(d => d.Delivery));
        Assert.Equal([0.9f, 0.9f, 0.9f], decided.Decisions.Select(d => d.Score));
        Assert.Equal(2, Interlocked.Read(ref counted));
        var error = Assert.Single(decided.UndecidedUsers);
        Assert.Equal(writing, error.Key);
        Assert.Contains("IOException", error.Value);
        var answered = Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
        Assert.Equal(DeliveryKinds.Immediate, answered.Delivery);
    }

    [Fact]
    public async Task A_user_whose_decisions_failed_for_good_is_asked_once_per_batch_until_it_decides_again()
    {
        var (writing, _, batch) = await TwoUsersBatchAsync("known");
        var failed = fixture.Store.WritesFailed;
        int FailedSince()
        {
            var (before, now) = (failed, fixture.Store.WritesFailed);
            failed = now;
            return now - before;
        }

        fixture.Store.FailNextWrites(int.MaxValue);
        try
        {
            Assert.Contains(writing, (await Decisions.DecideAsync(batch, CancellationToken.None)).UndecidedUsers.Keys);
            Assert.Equal(4, FailedSince());
            // Known to fail: one attempt, no backoff.
            var second = await Decisions.DecideAsync(Later(batch, "second", Texts.RacingMessage, writing), CancellationToken.None);
            Assert.Equal([writing], second.UndecidedUsers.Keys);
            Assert.Equal(1, FailedSince());
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }

        var third = await Decisions.DecideAsync(Later(batch, "third", Texts.Unrelated), CancellationToken.None);
        Assert.Empty(third.UndecidedUsers);
        Assert.DoesNotContain(DeliveryKinds.Undecided, third.Decisions.Select(d => d.Delivery));

        // Deciding again forgot the failure: the next failing batch gets every attempt.
        fixture.Store.FailNextWrites(int.MaxValue);
        try
        {
            await Decisions.DecideAsync(Later(batch, "fourth", Texts.RacingMessage + " crash", writing), CancellationToken.None);
            Assert.Equal(4, FailedSince());
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }
    }

    [Fact]
    public async Task A_user_still_broken_a_minute_after_its_failure_gets_every_attempt_once_more()
    {
        var (writing, _, batch) = await TwoUsersBatchAsync("period");
        var failed = fixture.Store.WritesFailed;
        async Task<int> AttemptsAtAsync(string suffix)
        {
            await Decisions.DecideAsync(Later(batch, suffix, Texts.RacingMessage + " " + suffix, writing), CancellationToken.None);
            var (before, now) = (failed, fixture.Store.WritesFailed);
            failed = now;
            return now - before;
        }

        fixture.Store.FailNextWrites(int.MaxValue);
        try
        {
            Assert.Equal(4, await AttemptsAtAsync("first"));
            fixture.Time.Advance(TimeSpan.FromSeconds(40));
            Assert.Equal(1, await AttemptsAtAsync("second"));
            // 80 s after the failure that made it known, 40 s after the last: the failures since did not extend the minute.
            fixture.Time.Advance(TimeSpan.FromSeconds(40));
            Assert.Equal(4, await AttemptsAtAsync("third"));
            Assert.Equal(1, await AttemptsAtAsync("fourth"));
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }
    }

    /// <summary>
    /// The batch's matches (of <paramref name="onlyUser"/> when given) again, as new matches of another text (so neither
    /// repeats nor duplicates an earlier one).
    /// </summary>
    private static (string UserId, UserMatch Match)[] Later((string UserId, UserMatch Match)[] batch, string suffix, string text, string? onlyUser = null)
        => [.. batch.Where(m => onlyUser is null || m.UserId == onlyUser)
            .Select((m, i) => (m.UserId, m.Match with { MatchId = $"{m.Match.MatchId}-{suffix}", Text = $"{text} {i}" }))];

    [Fact]
    public async Task A_user_whose_grain_cannot_activate_has_its_matches_undecided_and_the_others_decided()
    {
        var (_, other, batch) = await TwoUsersBatchAsync("activate");
        var broken = "decisions-activate-broken";
        var now = fixture.Time.GetUtcNow();

        fixture.Store.FailReadsOf(broken);
        BatchDecisions decided;
        try
        {
            decided = await Decisions.DecideAsync([.. batch, (broken, new UserMatch(now, "db", Texts.DatabaseMessage, 0.8f, [], "activate-4"))], CancellationToken.None);
        }
        finally
        {
            fixture.Store.FailReadsOf(null);
        }

        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate, DeliveryKinds.Deferred, DeliveryKinds.Undecided], decided.Decisions.Select(d => d.Delivery));
        Assert.Equal([broken], decided.UndecidedUsers.Keys);
        Assert.Contains("ReadStateAsync", decided.UndecidedUsers[broken]);
        Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
    }

    [Fact]
    public async Task A_user_the_cluster_cannot_get_an_answer_from_in_time_fails_the_batch_after_four_attempts()
    {
        var (_, other, batch) = await TwoUsersBatchAsync("timeout");
        var failedBefore = fixture.Store.WritesFailed;

        fixture.Store.FailNextWrites(int.MaxValue, () => new TimeoutException("injected storage timeout"));
        try
        {
            await Assert.ThrowsAsync<TimeoutException>(() => Decisions.DecideAsync(batch, CancellationToken.None));
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }

        Assert.Equal(4, fixture.Store.WritesFailed - failedBefore);
        var answered = Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
        Assert.Equal(DeliveryKinds.Immediate, answered.Delivery);
    }

    [Fact]
    public async Task A_user_whose_storage_does_not_answer_fails_the_batch_after_four_attempts_and_is_not_taken_for_broken()
    {
        var (writing, other, batch) = await TwoUsersBatchAsync("storage");
        var failedBefore = fixture.Store.WritesFailed;

        // As the silos' storage outage filter names a Redis that does not answer.
        fixture.Store.FailNextWrites(int.MaxValue, () => new StorageUnavailableException("injected storage outage"));
        try
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => Decisions.DecideAsync(batch, CancellationToken.None));
        }
        finally
        {
            fixture.Store.FailNextWrites(0);
        }

        Assert.Equal(4, fixture.Store.WritesFailed - failedBefore);
        // Redis answers again: the batch retried is decided whole, the user asked as often as it needs.
        fixture.Store.FailNextWrites(1);
        var decided = await Decisions.DecideAsync(batch, CancellationToken.None);
        Assert.Empty(decided.UndecidedUsers);
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate, DeliveryKinds.Deferred], decided.Decisions.Select(d => d.Delivery));
        Assert.Equal([DeliveryKinds.Deferred, DeliveryKinds.Immediate], (await fixture.Grains.GetGrain<IUserGrain>(writing).GetMatches(10)).Select(m => m.Delivery));
        Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
    }

    [Fact]
    public async Task A_user_hung_in_its_own_grain_past_the_deadline_is_undecided_until_that_call_ends_and_the_others_are_decided()
    {
        var (writing, other, batch) = await TwoUsersBatchAsync("hung");
        var heldBefore = fixture.Store.WritesHeld;

        // The writing user's deferral waits in its write; the other user answers (its immediate match writes nothing).
        fixture.Store.HoldWrites();
        try
        {
            var deciding = Decisions.DecideAsync(batch, CancellationToken.None);
            await Eventually.SucceedsAsync(async () =>
            {
                Assert.True(fixture.Store.WritesHeld > heldBefore);
                Assert.Single(await fixture.Grains.GetGrain<IUserGrain>(other).GetMatches(10));
            });
            // The deadline runs on the attention's clock: passed once, and again until the gateway has the other's answer.
            var first = await PassDeadlinesAsync(deciding);

            Assert.Equal([DeliveryKinds.Undecided, DeliveryKinds.Immediate, DeliveryKinds.Undecided], first.Decisions.Select(d => d.Delivery));
            Assert.Equal([writing], first.UndecidedUsers.Keys);
            Assert.Contains("did not answer within", first.UndecidedUsers[writing]);
            Assert.True(HungDecisions() >= 1, "the hung call is not on the gauge");
            // Not asked while that call is out (a call would queue behind it and wait): undecided at once, on a clock that stands still.
            var second = await Decisions.DecideAsync(Later(batch, "second", Texts.RacingMessage, writing), CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal([DeliveryKinds.Undecided, DeliveryKinds.Undecided], second.Decisions.Select(d => d.Delivery));
            Assert.Contains("has not yet answered", second.UndecidedUsers[writing]);
            Assert.Equal(heldBefore + 1, fixture.Store.WritesHeld);
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }

        // The call ended, having decided: the same matches asked again get those decisions, and new ones are decided.
        await Eventually.SucceedsAsync(async () => Assert.Equal(2, (await fixture.Grains.GetGrain<IUserGrain>(writing).GetMatches(10)).Count));
        // Off the gauge (so are the hung calls of this class's other tests, each released when it ends).
        await Eventually.SucceedsAsync(() =>
        {
            Assert.Equal(0, HungDecisions());
            return Task.CompletedTask;
        });
        var again = await Eventually.SucceedsAsync(async () =>
        {
            var decided = await Decisions.DecideAsync(batch, CancellationToken.None);
            Assert.Empty(decided.UndecidedUsers);
            return decided;
        });
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Immediate, DeliveryKinds.Deferred], again.Decisions.Select(d => d.Delivery));
        var third = await Decisions.DecideAsync(Later(batch, "third", Texts.Unrelated, writing), CancellationToken.None);
        Assert.Equal([DeliveryKinds.Deferred, DeliveryKinds.Deferred], third.Decisions.Select(d => d.Delivery));
    }

    [Fact]
    public async Task A_batch_whose_only_user_is_hung_comes_back_undecided_once_the_cluster_answers_a_probe()
    {
        var (writing, _, batch) = await TwoUsersBatchAsync("alone");

        // Nobody else in the batch answers: only the probe tells the user's own hang from a cluster that holds every call.
        var decided = await DecideWithWritesHeldAsync([batch[0], batch[2]]);

        Assert.Equal([DeliveryKinds.Undecided, DeliveryKinds.Undecided], decided.Decisions.Select(d => d.Delivery));
        Assert.Contains("while the cluster answered other calls", decided.UndecidedUsers[writing]);
    }

    [Fact]
    public async Task A_user_whose_call_asked_again_hangs_is_undecided_once_the_cluster_answers_a_probe_and_the_others_are_decided()
    {
        var (writing, _, batch) = await TwoUsersBatchAsync("again-hung");
        var failedBefore = fixture.Store.WritesFailed;

        // The writing user's first call fails at once; the call asking it again waits in its write.
        fixture.Store.FailNextWrites(1);
        var decided = await DecideWithWritesHeldAsync(batch);

        Assert.Equal(1, fixture.Store.WritesFailed - failedBefore);
        Assert.Equal([DeliveryKinds.Undecided, DeliveryKinds.Immediate, DeliveryKinds.Undecided], decided.Decisions.Select(d => d.Delivery));
        Assert.Contains("while the cluster answered other calls", decided.UndecidedUsers[writing]);
    }

    /// <summary>Decides the batch with the store's writes held, passing deadlines once a write waits; then releases the writes.</summary>
    private async Task<BatchDecisions> DecideWithWritesHeldAsync((string UserId, UserMatch Match)[] batch)
    {
        var heldBefore = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites();
        try
        {
            var deciding = Decisions.DecideAsync(batch, CancellationToken.None);
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(fixture.Store.WritesHeld > heldBefore);
                return Task.CompletedTask;
            });
            return await PassDeadlinesAsync(deciding);
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }
    }

    /// <summary>This silo's gauge of hung decision calls, read now (other test classes' clusters have gauges of their own).</summary>
    private int HungDecisions()
    {
        var gauge = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<AttentionInstruments>().HungDecisions;
        Assert.NotNull(gauge);
        var value = -1;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument, gauge))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((_, measured, _, _) => value = measured);
        listener.Start();
        listener.RecordObservableInstruments();
        return value;
    }

    /// <summary>Passes the decisions' deadline on the attention's clock, again and again, until the decisions are in.</summary>
    private async Task<BatchDecisions> PassDeadlinesAsync(Task<BatchDecisions> deciding)
    {
        var deadline = new DeliveryDecisionOptions().AnswerDeadline;
        for (var passed = 0; !deciding.IsCompleted && passed < 600; passed++)
        {
            fixture.Time.Advance(deadline);
            await Task.WhenAny(deciding, Task.Delay(100));
        }
        return await deciding;
    }

    [Fact]
    public void A_users_decisions_come_back_within_the_silo_without_a_copy()
    {
        var copier = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<DeepCopier>();
        var decisions = new MatchDecisions([new MatchDecision(DeliveryKinds.Immediate, 0.9f), new MatchDecision(DeliveryKinds.Deferred, 0.8f)]);

        Assert.Same(decisions, copier.Copy(decisions));
    }

    [Fact]
    public void A_users_decisions_reach_another_silo_whole()
    {
        var serializer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        var decisions = new MatchDecisions([new MatchDecision(DeliveryKinds.Immediate, 0.9f), new MatchDecision(DeliveryKinds.SuppressedDuplicate, 0.8f, "original")]);

        var read = serializer.Deserialize<MatchDecisions>(serializer.SerializeToArray(decisions));

        Assert.Equal(decisions.ToArray(), Assert.IsType<MatchDecisions>(read).ToArray());
    }

    private Task<(string Writing, string Other, (string UserId, UserMatch Match)[] Batch)> TwoUsersBatchAsync(string prefix)
        => AttentionCluster.TwoUsersBatchAsync(fixture.Grains, fixture.Time, prefix);
}
