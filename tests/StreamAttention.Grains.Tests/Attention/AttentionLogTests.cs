using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary>What a deferring decision writes: only its own log entry; a whole-state write folds the log in.</summary>
public sealed class AttentionLogTests(AttentionClusterFixture fixture) : IClassFixture<AttentionClusterFixture>
{
    private const string LogPrefix = "attention-log-";

    private IGrainFactory Grains => fixture.Grains;

    private IScoringGatewayGrain Gateway => Grains.GetGrain<IScoringGatewayGrain>(0);

    [Fact]
    public async Task A_deferring_decision_writes_only_what_it_added_not_the_whole_state()
    {
        const string user = "log-append";
        await WithOneImmediateAnHourAsync(user);

        var first = await Gateway.Score(Messages(0, 3), user);
        var second = await Gateway.Score(Messages(3, 2), user);

        var whole = Whole(user);
        Assert.Empty(whole.Attention.Pending);
        Assert.Equal(0, whole.Attention.LogStart);
        var entries = Entries(user);
        Assert.Equal([LogPrefix + 0, LogPrefix + 1], entries.Select(e => e.Name));
        Assert.Equal(Deferred(first), entries[0].Entry.Pending.Select(m => m.MatchId));
        Assert.Equal(Deferred(second), entries[1].Entry.Pending.Select(m => m.MatchId));
        Assert.Equal(3, entries[0].Entry.Fingerprints.Count);
        Assert.Single(entries[0].Entry.ImmediateTimes);
        Assert.NotNull(entries[0].Entry.NextDigestAt);
    }

    [Fact]
    public async Task A_digest_folds_the_log_into_the_whole_state_and_removes_its_entries()
    {
        const string user = "log-digest";
        await WithOneImmediateAnHourAsync(user);
        var deferred = Deferred(await Gateway.Score(Messages(0, 3), user)).Concat(Deferred(await Gateway.Score(Messages(3, 2), user))).ToArray();

        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);

        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal(deferred.Order(), digest.Groups.SelectMany(g => g.Top).Select(m => m.MatchId).Order());
        Assert.Empty(Entries(user));
        var whole = Whole(user);
        Assert.Equal(2, whole.Attention.LogStart);
        Assert.Empty(whole.Attention.Pending);
        Assert.Equal(digest.Id, Assert.Single(whole.Attention.RecentDigests).Id);
    }

    [Fact]
    public async Task A_full_log_is_folded_into_the_whole_state_and_the_next_entry_follows_it()
    {
        const string user = "log-full";
        await WithOneImmediateAnHourAsync(user);
        var deferred = await FillLogAsync(user);

        deferred.AddRange(Deferred(await Gateway.Score(Messages(AttentionLog.MaxEntries + 1, 1), user)));

        Assert.Empty(Entries(user));
        var whole = Whole(user);
        Assert.Equal(AttentionLog.MaxEntries, whole.Attention.LogStart);
        Assert.Equal(deferred, whole.Attention.Pending.Select(m => m.MatchId));

        var next = Deferred(await Gateway.Score(Messages(100, 1), user));
        var entry = Assert.Single(Entries(user));
        Assert.Equal(LogPrefix + AttentionLog.MaxEntries, entry.Name);
        Assert.Equal(next, entry.Entry.Pending.Select(m => m.MatchId));
    }

    /// <summary>
    /// A deactivation that does not fold the log (here one the application asked for) leaves it to the next activation,
    /// which reads every entry in order, up to the first missing one: an entry past a gap is no part of the log.
    /// </summary>
    [Fact]
    public async Task A_full_log_is_read_back_up_to_its_first_missing_entry_by_the_next_activation()
    {
        const string user = "log-replayed";
        var grain = await WithOneImmediateAnHourAsync(user);
        var deferred = await FillLogAsync(user);
        var grainId = fixture.Store.Entries.Keys.First(k => k.StateName == LogPrefix + 0 && k.Grain.Key.ToString() == user).Grain;
        var stray = Match("stray", 0.99f);
        fixture.Store.Entries[(LogPrefix + (AttentionLog.MaxEntries + 1), grainId)] = (new AttentionEntry { Pending = [stray] }, "stray-etag");

        await fixture.Cluster.DeactivateAsync(grain);
        Assert.Equal(AttentionLog.MaxEntries + 1, Entries(user).Length);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);

        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal(deferred.Order(), digest.Groups.SelectMany(g => g.Top).Select(m => m.MatchId).Order());
        Assert.Equal(deferred.Count, digest.Total);
    }

    /// <summary>Orleans collecting an idle user folds its log into the whole state: the next activation reads one record.</summary>
    [Fact]
    public async Task An_idle_users_log_is_folded_into_the_whole_state_when_Orleans_collects_it()
    {
        const string user = "log-collected";
        await WithOneImmediateAnHourAsync(user);
        var deferred = Deferred(await Gateway.Score(Messages(0, 3), user)).Concat(Deferred(await Gateway.Score(Messages(3, 2), user))).ToArray();
        Assert.Equal(2, Entries(user).Length);

        await Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Empty(Entries(user));
        var whole = Whole(user);
        Assert.Equal(2, whole.Attention.LogStart);
        Assert.Equal(deferred, whole.Attention.Pending.Select(m => m.MatchId));
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);
        Assert.Equal(deferred.Order(), Assert.Single(fixture.Sink.Of(user)).Groups.SelectMany(g => g.Top).Select(m => m.MatchId).Order());
    }

    /// <summary>
    /// Entries whose removal failed after a whole-state write are never read again (the state says where the log
    /// starts) and stay counted, so the next decision writes the whole state again and removes them then.
    /// </summary>
    [Fact]
    public async Task Entries_whose_removal_failed_are_removed_after_the_next_whole_state_write()
    {
        const string user = "log-clear-failed";
        await WithOneImmediateAnHourAsync(user);
        var deferred = await FillLogAndFailItsRemovalAsync(user);
        Assert.Equal(AttentionLog.MaxEntries, Entries(user).Length);
        Assert.Equal(AttentionLog.MaxEntries, Whole(user).Attention.LogStart);

        deferred.AddRange(Deferred(await Gateway.Score(Messages(1001, 1), user)));

        Assert.Empty(Entries(user));
        var whole = Whole(user);
        Assert.Equal(AttentionLog.MaxEntries, whole.Attention.LogStart);
        Assert.Equal(deferred, whole.Attention.Pending.Select(m => m.MatchId));
    }

    /// <summary>Entries whose removal failed are removed when the user deactivates: the next activation would never know of them.</summary>
    [Fact]
    public async Task Entries_whose_removal_failed_are_removed_when_the_user_deactivates()
    {
        const string user = "log-clear-failed-deactivated";
        var grain = await WithOneImmediateAnHourAsync(user);
        var deferred = await FillLogAndFailItsRemovalAsync(user);
        Assert.Equal(AttentionLog.MaxEntries, Entries(user).Length);

        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Empty(Entries(user));
        var whole = Whole(user);
        Assert.Equal(AttentionLog.MaxEntries, whole.Attention.LogStart);
        Assert.Equal(deferred, whole.Attention.Pending.Select(m => m.MatchId));
    }

    /// <summary>
    /// Entries that a silo could not remove after the whole-state write that holds them (it crashed, or every removal
    /// failed until it deactivated) are found by the user's next activation, through the state's oldest entry, and removed.
    /// </summary>
    [Fact]
    public async Task Entries_a_silo_left_behind_are_found_by_the_next_activation_and_removed()
    {
        const string user = "log-left-behind";
        var grain = await WithOneImmediateAnHourAsync(user);
        var deferred = await FillLogAsync(user);
        fixture.Store.FailClearsOf(LogPrefix + 5);
        try
        {
            deferred.AddRange(Deferred(await Gateway.Score(Messages(1000, 1), user)));
        }
        finally
        {
            fixture.Store.FailClearsOf(null);
        }
        // The newest entry is removed only after all the others were: it stays while one of them does.
        Assert.Equal([LogPrefix + 5, LogPrefix + (AttentionLog.MaxEntries - 1)], Entries(user).Select(e => e.Name));
        Assert.Equal((0, AttentionLog.MaxEntries), (Whole(user).Attention.LogOldest, Whole(user).Attention.LogStart));
        // As a crash would: the deactivation cannot remove them either.
        fixture.Store.FailClears = true;
        try
        {
            await fixture.Cluster.DeactivateAsync(grain);
        }
        finally
        {
            fixture.Store.FailClears = false;
        }
        Assert.Equal(2, Entries(user).Length);

        await grain.GetPolicy();
        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Empty(Entries(user));
        Assert.Equal(deferred, Whole(user).Attention.Pending.Select(m => m.MatchId));
    }

    [Fact]
    public async Task A_decision_whose_write_failed_is_written_when_the_same_matches_are_decided_again()
    {
        const string user = "log-retry";
        await WithOneImmediateAnHourAsync(user);
        var grain = Grains.GetGrain<IUserGrain>(user);
        var now = fixture.Time.GetUtcNow();
        UserMatch[] matches = [new(now, "db", Texts.DatabaseMessage, 0.9f, [], "retry-1"), new(now, "db", Texts.DatabaseMessage + " again", 0.9f, [], "retry-2")];

        fixture.Store.FailWrites = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.Decide(matches));
        }
        finally
        {
            fixture.Store.FailWrites = false;
        }
        Assert.Empty(Entries(user));
        var decided = await grain.Decide(matches);

        Assert.Equal([DeliveryKinds.Immediate, DeliveryKinds.Deferred], decided.Select(m => m.Delivery));
        Assert.Equal(["retry-2"], Assert.Single(Entries(user)).Entry.Pending.Select(m => m.MatchId));
    }

    /// <summary>
    /// With one match listed per digest, a deferral worse than the listed one only counts it: nothing is written for it,
    /// and the next decision that lists a match writes that count with its own.
    /// </summary>
    [Fact]
    public async Task A_decision_that_only_counts_a_match_writes_nothing_and_the_next_listing_one_carries_its_count()
    {
        const string user = "log-count";
        var grain = await WithOneImmediateAnHourAsync(user, digestSize: 1);
        await grain.Decide([Match("count-0", 0.9f)]);
        await grain.Decide([Match("count-1", 0.8f)]);

        var counted = await grain.Decide([Match("count-2", 0.7f)]);

        Assert.Equal(DeliveryKinds.Deferred, Assert.Single(counted).Delivery);
        var first = Assert.Single(Entries(user));
        Assert.Equal(["count-1"], first.Entry.Pending.Select(m => m.MatchId));
        Assert.Empty(first.Entry.Unlisted);

        await grain.Decide([Match("count-3", 0.95f)]);

        var entries = Entries(user);
        Assert.Equal(2, entries.Length);
        Assert.Equal(["count-3"], entries[1].Entry.Pending.Select(m => m.MatchId));
        Assert.Equal(["count-1"], entries[1].Entry.Evicted);
        Assert.Equal(2, entries[1].Entry.Unlisted["db"]);
    }

    /// <summary>A count no listing decision carried yet is written when the grain deactivates, and the digest counts it.</summary>
    [Fact]
    public async Task A_count_not_yet_written_is_written_on_deactivation_and_the_digest_counts_it()
    {
        const string user = "log-count-deactivated";
        var grain = await WithOneImmediateAnHourAsync(user, digestSize: 1);
        await grain.Decide([Match("deactivated-0", 0.9f)]);
        await grain.Decide([Match("deactivated-1", 0.8f)]);
        await grain.Decide([Match("deactivated-2", 0.7f)]);
        Assert.Single(Entries(user));

        await fixture.Cluster.DeactivateAsync(grain);

        var entries = Entries(user);
        Assert.Equal(2, entries.Length);
        Assert.Equal(1, entries[1].Entry.Unlisted["db"]);
        Assert.Empty(entries[1].Entry.Pending);
        fixture.Time.Advance(TimeSpan.FromHours(1));
        await AttentionCluster.TickAsync(Grains, user);
        var digest = Assert.Single(fixture.Sink.Of(user));
        Assert.Equal(2, digest.Total);
        var group = Assert.Single(digest.Groups);
        Assert.Equal(["deactivated-1"], group.Top.Select(m => m.MatchId));
        Assert.Equal(1, group.More);
    }

    private UserMatch Match(string id, float score) => new(fixture.Time.GetUtcNow(), "db", $"{Texts.DatabaseMessage} {id}", score, [], id);

    /// <summary><see cref="AttentionCluster.WithOneImmediateAnHourAsync"/> on this class's cluster.</summary>
    private Task<IUserGrain> WithOneImmediateAnHourAsync(string user, int digestSize = 100)
        => AttentionCluster.WithOneImmediateAnHourAsync(Grains, user, digestSize);

    /// <summary>Messages 0 to <see cref="AttentionLog.MaxEntries"/>: the first notified, each other deferred and listed in an entry of its own.</summary>
    private async Task<List<string>> FillLogAsync(string user)
    {
        await Gateway.Score(Messages(0, 1), user);
        var deferred = new List<string>();
        for (var i = 1; i <= AttentionLog.MaxEntries; i++)
        {
            deferred.AddRange(Deferred(await Gateway.Score(Messages(i, 1), user)));
        }
        return deferred;
    }

    /// <summary>
    /// <see cref="FillLogAsync"/>, then one more deferral, whose whole-state write succeeds while removing the entries
    /// fails: they stay in storage, before the state's log start.
    /// </summary>
    private async Task<List<string>> FillLogAndFailItsRemovalAsync(string user)
    {
        var deferred = await FillLogAsync(user);
        Assert.Equal(AttentionLog.MaxEntries, Entries(user).Length);
        fixture.Store.FailClears = true;
        try
        {
            deferred.AddRange(Deferred(await Gateway.Score(Messages(1000, 1), user)));
        }
        finally
        {
            fixture.Store.FailClears = false;
        }
        return deferred;
    }

    private static string[] Messages(int first, int count)
        => Enumerable.Range(first, count).Select(i => $"{Texts.DatabaseMessage} number {i}").ToArray();

    private static string[] Deferred(IReadOnlyList<TextMatch> matches)
        => matches.Where(m => m.Delivery == DeliveryKinds.Deferred).Select(m => m.MatchId!).ToArray();

    private UserInterestsState Whole(string user)
        => (UserInterestsState)fixture.Store.Entries.Single(e => e.Key.StateName == "user" && e.Key.Grain.Key.ToString() == user).Value.State;

    private (string Name, AttentionEntry Entry)[] Entries(string user)
        => fixture.Store.Entries
            .Where(e => e.Key.StateName.StartsWith(LogPrefix, StringComparison.Ordinal) && e.Key.Grain.Key.ToString() == user)
            .Select(e => (e.Key.StateName, (AttentionEntry)e.Value.State))
            .OrderBy(e => long.Parse(e.StateName[LogPrefix.Length..]))
            .ToArray();
}
