using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>
/// What reaches the digests when the whole-state write that follows forming one fails, or when the user's activation is
/// lost without writing (a crashed silo: here a deactivation whose writes fail, which leaves storage as a crash would).
/// </summary>
public sealed class DigestLossTests(AttentionClusterFixture fixture) : IClassFixture<AttentionClusterFixture>
{
    private IGrainFactory Grains => fixture.Grains;

    [Fact]
    public async Task A_digest_whose_write_failed_is_sent_at_the_next_check_with_every_count_and_repeat_it_took()
    {
        const string user = "digest-write-failed";
        var grain = await CountingUserAsync(user);

        await FailTheDigestsWriteAsync(user);
        Assert.Empty(fixture.Sink.Of(user));
        await DeferAfterAsync(grain);

        await CheckTwiceAndAssertEverythingReachedTheDigestsAsync(user);
    }

    [Fact]
    public async Task A_digest_whose_write_failed_is_formed_again_by_the_next_activation_with_every_count_and_repeat()
    {
        const string user = "digest-write-failed-deactivated";
        var grain = await CountingUserAsync(user);

        await FailTheDigestsWriteAsync(user);
        await DeferAfterAsync(grain);
        await fixture.Cluster.DeactivateAsync(grain);

        await CheckTwiceAndAssertEverythingReachedTheDigestsAsync(user);
    }

    /// <summary>
    /// A digest whose write failed is not sent before a write stores it: sent, then lost with its silo before a write,
    /// it was formed again under the same id with the match decided since, which a sink keeping the first under an id
    /// (the id is there for that) never shows.
    /// </summary>
    [Fact]
    public async Task A_digest_whose_write_failed_is_not_sent_unwritten_so_a_lost_silo_never_sends_two_under_one_id()
    {
        const string user = "digest-write-failed-lost-silo";
        var grain = await CountingUserAsync(user);

        await FailTheDigestsWriteAsync(user, async () =>
        {
            await DeferAfterAsync(grain);
            await Assert.ThrowsAnyAsync<Exception>(() => AttentionCluster.TickAsync(Grains, user));
        });
        await LoseActivationAsync(grain);

        await CheckTwiceAndAssertEverythingReachedTheDigestsAsync(user);
    }

    /// <summary>Repeats alone make a digest due: their first is written, so a lost silo does not lose the digest.</summary>
    [Fact]
    public async Task A_repeat_of_a_notified_match_reaches_the_digest_after_the_users_silo_is_lost()
    {
        const string user = "digest-repeat-lost-silo";
        var grain = await UserAsync(user);
        var first = Match("first", 0.9f);
        Assert.Equal(DeliveryKinds.Immediate, Assert.Single(await grain.Decide([first])).Delivery);
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, Assert.Single(await grain.Decide([first with { MatchId = "first-again" }])).Delivery);

        await LoseActivationAsync(grain);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);

        var repeat = Assert.Single(Assert.Single(fixture.Sink.Of(user)).Repeats!);
        Assert.Equal(("first", 1), (repeat.MatchId, repeat.Count));
    }

    /// <summary>With the digest's one line taken, a match of another interest is only counted: its group is written.</summary>
    [Fact]
    public async Task An_interest_whose_match_is_only_counted_keeps_its_group_in_the_digest_after_the_users_silo_is_lost()
    {
        const string user = "digest-count-lost-silo";
        var grain = await UserAsync(user);
        await grain.PutInterests([new InterestInput("other", Texts.DatabaseInterest, 0.3f)]);
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Deferred], (await grain.Decide([Match("first", 0.9f), Match("listed", 0.8f)])).Select(d => d.Delivery));
        Assert.Equal(DeliveryKinds.Deferred, Assert.Single(await grain.Decide([Match("other-counted", 0.7f) with { InterestId = "other" }])).Delivery);

        await LoseActivationAsync(grain);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);

        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal(2, digest.Total);
        var other = Assert.Single(digest.Groups, g => g.InterestId == "other");
        Assert.Equal((0, 1), (other.Top.Count, other.More));
    }

    /// <summary>
    /// A digest is counted (<see cref="AttentionInstruments.Digests"/>) by the write that stores it: one whose write failed
    /// by the later write, once.
    /// </summary>
    [Fact]
    public async Task A_digest_whose_write_failed_is_counted_once_by_the_write_that_stores_it()
    {
        const string user = "digest-write-failed-counted";
        var grain = await CountingUserAsync(user);
        var counted = 0L;
        using var listener = DigestsCountedOf(grain.GetGrainId(), value => Interlocked.Add(ref counted, value));

        await FailTheDigestsWriteAsync(user);
        Assert.Equal(0, Interlocked.Read(ref counted));
        await DeferAfterAsync(grain);
        await CheckTwiceAndAssertEverythingReachedTheDigestsAsync(user);

        Assert.Equal(2, fixture.Sink.Of(user).Count);
        Assert.Equal(2, Interlocked.Read(ref counted));
    }

    /// <summary>
    /// A decision that gives the digest a line writes once for it: the later repeats of the original, and the later
    /// counts of the interest, wait for the next write as counts do (or a repeat-heavy stream wrote once a match).
    /// </summary>
    [Fact]
    public async Task Only_the_first_repeat_of_an_original_and_the_first_count_of_an_interest_write()
    {
        var grain = await UserAsync("digest-lines-written-once");
        await grain.PutInterests([new InterestInput("other", Texts.DatabaseInterest, 0.3f)]);
        var first = Match("first", 0.9f);
        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Deferred], (await grain.Decide([first, Match("listed", 0.8f)])).Select(d => d.Delivery));
        var writes = fixture.Store.WritesOf(grain.GetGrainId());

        Assert.Equal(DeliveryKinds.Deferred, Assert.Single(await grain.Decide([Match("counted", 0.7f) with { InterestId = "other" }])).Delivery);
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, Assert.Single(await grain.Decide([first with { MatchId = "first-again" }])).Delivery);
        Assert.Equal(writes + 2, fixture.Store.WritesOf(grain.GetGrainId()));
        Assert.Equal(DeliveryKinds.Deferred, Assert.Single(await grain.Decide([Match("also", 0.7f) with { InterestId = "other" }])).Delivery);
        Assert.Equal(DeliveryKinds.SuppressedDuplicate, Assert.Single(await grain.Decide([first with { MatchId = "first-once-more" }])).Delivery);

        Assert.Equal(writes + 2, fixture.Store.WritesOf(grain.GetGrainId()));
    }

    /// <summary>
    /// Calls <paramref name="counted"/> with what the silos count as digests formed by <paramref name="user"/>'s
    /// activation (the counter has no user: a reminder of another test's user may tick meanwhile).
    /// </summary>
    private MeterListener DigestsCountedOf(GrainId user, Action<long> counted)
    {
        var counters = fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<AttentionInstruments>().Digests).ToArray();
        // Counted on the activation's turn: the grain it runs for is the one counting.
        var running = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainContextAccessor>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (counters.Any(c => ReferenceEquals(c, instrument)))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (running.GrainContext?.GrainId == user)
            {
                counted(value);
            }
        });
        listener.Start();
        return listener;
    }

    /// <summary>The activation goes without writing anything, as a crashed silo's does; the next call activates the user again.</summary>
    private async Task LoseActivationAsync(IUserGrain grain)
    {
        fixture.Store.FailWrites = true;
        try
        {
            await fixture.Cluster.DeactivateAsync(grain);
        }
        finally
        {
            fixture.Store.FailWrites = false;
        }
    }

    /// <summary>One immediate notification a day, the rest deferred; the digest, every 30 minutes, lists one match.</summary>
    private async Task<IUserGrain> UserAsync(string user)
    {
        var grain = Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest, 0.3f)]);
        Assert.Empty(await grain.PutPolicy(DeliveryPolicy.Default with
        {
            RateLimit = new RateLimitPolicy(1, TimeSpan.FromDays(1)),
            Digest = new DigestPolicy(TimeSpan.FromMinutes(30), 1),
        }));
        return grain;
    }

    /// <summary>
    /// One listed per digest: "first" notified, "listed" deferred and listed (written), "counted" only counted and a
    /// repeat of "first" only counted (neither written yet).
    /// </summary>
    private async Task<IUserGrain> CountingUserAsync(string user)
    {
        var grain = await UserAsync(user);
        var first = Match("first", 0.9f);
        Assert.Equal(
            [DeliveryKinds.Immediate, DeliveryKinds.Deferred, DeliveryKinds.Deferred, DeliveryKinds.SuppressedDuplicate],
            (await grain.Decide([first, Match("listed", 0.8f), Match("counted", 0.7f), first with { MatchId = "first-again" }])).Select(d => d.Delivery));
        return grain;
    }

    /// <summary>
    /// Checks for the digest, due, while the user's whole-state writes fail (the check fails), then runs
    /// <paramref name="meanwhile"/> before they work again.
    /// </summary>
    private async Task FailTheDigestsWriteAsync(string user, Func<Task>? meanwhile = null)
    {
        fixture.Time.Advance(TimeSpan.FromHours(1));
        fixture.Store.FailWritesOf("user");
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => AttentionCluster.TickAsync(Grains, user));
            if (meanwhile is not null)
            {
                await meanwhile();
            }
        }
        finally
        {
            fixture.Store.FailWritesOf(null);
        }
    }

    /// <summary>"after", deferred and listed for the next digest (its log entry written).</summary>
    private async Task DeferAfterAsync(IUserGrain grain)
        => Assert.Equal(DeliveryKinds.Deferred, Assert.Single(await grain.Decide([Match("after", 0.6f)])).Delivery);

    /// <summary>A check now and one when "after" is due.</summary>
    private async Task CheckTwiceAndAssertEverythingReachedTheDigestsAsync(string user)
    {
        await AttentionCluster.TickAsync(Grains, user);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);
        AssertEverythingReachedTheDigests(user);
    }

    /// <summary>Every deferral counted once by the digests, "listed" listed, and the repeat of "first" counted once.</summary>
    private void AssertEverythingReachedTheDigests(string user)
    {
        var digests = fixture.Sink.Of(user);
        Assert.Equal(digests.Count, digests.Select(d => d.Id).Distinct().Count());
        Assert.Equal(3, digests.Sum(d => d.Total));
        Assert.Contains("listed", digests.SelectMany(d => d.Groups).SelectMany(g => g.Top).Select(m => m.MatchId));
        var repeats = digests.SelectMany(d => d.Repeats ?? []).ToArray();
        Assert.Equal(["first"], repeats.Select(r => r.MatchId));
        Assert.Equal(1, repeats.Sum(r => r.Count));
    }

    private UserMatch Match(string id, float score) => new(fixture.Time.GetUtcNow(), "db", $"{Texts.DatabaseMessage} {id}", score, [], id);
}
