using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// A shard's copy of a user's interests never goes back to an older version: rows of a publish that arrives after a
/// newer removal (from an activation of the user grain on a silo since lost, its calls not ordered with its successor's)
/// are refused, also after the shard's reactivation; and the shard catches up with a change stored while it failed even
/// when the user grain's activation, with its retry timer, is lost.
/// </summary>
public sealed class ShardOrderTests(ShardOrderTests.FaultyClusterFixture fixture) : IClassFixture<ShardOrderTests.FaultyClusterFixture>
{
    public sealed class FaultyClusterFixture : ClusterFixture
    {
        public UserErasureHttpTests.FailingCalls Faults { get; } = new();

        public override async Task InitializeAsync()
            => Cluster = await TestCluster.StartAsync(Store, configure: silo => silo.Services.AddSingleton<IIncomingGrainCallFilter>(Faults));
    }

    private IScoringGatewayGrain Gateway => fixture.Grains.GetGrain<IScoringGatewayGrain>(0);

    private IScoringShardGrain ShardOf(string user) => fixture.Grains.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, int.Parse(TestCluster.Settings["Sharding:ShardCount"]!)));

    [Theory]
    [InlineData("delete", false)]
    [InlineData("delete", true)]
    [InlineData("erase", false)]
    [InlineData("erase", true)]
    public async Task Rows_older_than_a_removal_that_arrive_after_it_do_not_bring_the_interests_back(string removal, bool shardReactivated)
    {
        var user = $"order-{removal}-{shardReactivated}";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        // What the write's publish sent, still on its way to the shard.
        var late = await grain.GetScoringRows();
        if (removal == "delete")
        {
            Assert.True(await grain.DeleteInterest("db"));
        }
        else
        {
            Assert.Null((await grain.Erase()).FailedStep);
        }
        if (shardReactivated)
        {
            await fixture.Cluster.DeactivateAsync(ShardOf(user));
        }

        await ShardOf(user).Update(user, late);

        // The shard itself, not the user grain (which withdraws a match of an interest it no longer has): its text scored
        // against the shard's rows for the user finds none, and its stored membership does not list the user again.
        Assert.Empty(await ShardOf(user).Score(new ShardScoreRequest([late.Interests[0].Embedding], UserId: user)));
        Assert.False(ShardRecords.ListMember(fixture.Store, user));
    }

    /// <summary>
    /// The shard rebuilds while its user's grain fails to answer, so it holds no version of the user's rows; a publish
    /// older than the user's last write (from an activation since lost) then arrives: the shard takes it, but reads the
    /// user again once it answers and serves the newest rows.
    /// </summary>
    [Fact]
    public async Task Rows_older_than_the_users_last_write_that_arrive_while_it_is_missing_from_a_rebuild_are_replaced()
    {
        const string user = "order-missing-late-rows";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        // What the first write's publish sent, still on its way to the shard.
        var late = await grain.GetScoringRows();
        Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
        fixture.Faults.FailUntilHealed<IUserGrain>(nameof(IUserGrain.GetScoringRows));
        try
        {
            await fixture.Cluster.DeactivateAsync(ShardOf(user));
            // Activates the shard first: its rebuild finds the user's grain failing.
            await ShardOf(user).Update(user, late);
        }
        finally
        {
            fixture.Faults.Heal();
        }

        await Eventually.SucceedsAsync(async () =>
            Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1"));
    }

    /// <summary>
    /// The shard's membership write fails during an erasure, so its first step fails; the erasure repeated (the same
    /// version, the removal already made in the shard's memory) finishes only once storage no longer lists the user.
    /// </summary>
    [Fact]
    public async Task An_erasure_repeated_after_the_shard_failed_to_store_it_leaves_the_user_out_of_the_stored_membership()
    {
        var grain = await ShardRecords.ErasedWhileShardWritesFailAsync(fixture, "order-erasure-write-failed");

        Assert.Null((await grain.Erase()).FailedStep);

        Assert.False(ShardRecords.ListMember(fixture.Store, "order-erasure-write-failed"));
    }

    /// <summary>
    /// The shard's membership write fails during an erasure, leaving the removal only in the shard's memory; the shard
    /// then moves to another silo (as to its silo of the spread) with no other change: it stores the removal on arrival.
    /// </summary>
    [Fact]
    public async Task A_removal_the_shard_failed_to_store_is_stored_once_the_shard_moved_to_another_silo()
    {
        const string user = "order-unsaved-migrated";
        await ShardRecords.ErasedWhileShardWritesFailAsync(fixture, user);

        var silos = fixture.Cluster.Silos.Select(s => s.SiloAddress).ToArray();
        var elsewhere = silos.First(s => !s.Equals(ShardPlacement.SiloOf(ShardOf(user).GetPrimaryKeyLong(), silos)));
        RequestContext.Set(IPlacementDirector.PlacementHintKey, elsewhere);
        try
        {
            await ShardOf(user).AsReference<IGrainManagementExtension>().MigrateOnIdle();
        }
        finally
        {
            RequestContext.Clear();
        }

        // The move happens once the shard is idle, after this call answered.
        await Eventually.SucceedsAsync(() =>
        {
            Assert.False(ShardRecords.ListMember(fixture.Store, user));
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// A removal is kept to refuse rows sent before it that arrive late, only until such a call is dropped unread: the
    /// shard's next membership write leaves the older ones out (an erased user's id with them).
    /// </summary>
    [Fact]
    public void The_membership_forgets_the_removals_taken_before_the_oldest_that_can_still_matter()
    {
        var at = new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero);
        var membership = new ShardMembershipState
        {
            Users = ["kept"],
            Removed = { ["erased-long-ago"] = new ShardRemoval(3, at.AddMinutes(-5)), ["erased-lately"] = new ShardRemoval(8, at) },
        };

        membership.ForgetRemovalsBefore(at.AddMinutes(-1));

        Assert.Equal(["erased-lately"], membership.Removed.Keys);
        Assert.Equal(["kept"], membership.Users);
    }

    /// <summary>An erasure clears the user's state, its version count with it; the shard still knows the erasure's version.</summary>
    [Fact]
    public async Task A_user_written_again_after_its_erasure_takes_versions_above_the_erasure_and_matches()
    {
        const string user = "order-erased-written-again";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var erased = await grain.GetScoringRows();
        Assert.Null((await grain.Erase()).FailedStep);

        Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);

        // The erasure removed the user at the version after its last write's.
        Assert.True((await grain.GetScoringRows()).Version > erased.Version + 1);
        Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1");
    }

    /// <summary>
    /// The shard fails every update while the user grain's activation (and its retry timer) is lost, as with its silo;
    /// the reminder the failed publish left wakes the user again and brings the rows to the shard, then goes.
    /// </summary>
    [Theory]
    [InlineData("put")]
    [InlineData("delete")]
    public async Task A_change_its_shard_failed_to_take_reaches_it_after_the_user_activation_is_lost(string call)
    {
        var user = $"order-catch-up-{call}";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        if (call == "delete")
        {
            await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)]);
        }
        fixture.Faults.FailUntilHealed<IScoringShardGrain>(nameof(IScoringShardGrain.Update));
        try
        {
            if (call == "put")
            {
                Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
            }
            else
            {
                Assert.True(await grain.DeleteInterest("f1"));
            }
            await fixture.Cluster.DeactivateAsync(grain);
        }
        finally
        {
            fixture.Faults.Heal();
        }
        Assert.Equal([UserGrain.PublishReminder], (await ReminderRowsAsync(grain)).Reminders.Select(r => r.ReminderName));

        // As the reminder service delivers its tick, on a new activation.
        await grain.AsReference<IRemindable>().ReceiveReminder(UserGrain.PublishReminder, default);

        var matches = await Gateway.Score([Texts.RacingMessage], user);
        Assert.Equal(call == "put", matches.Any(m => m.UserId == user && m.InterestId == "f1"));
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// The user's silo may be lost after the change is stored and before its publish answered (up to a response timeout),
    /// so before any failure could leave a retry: the publish reminder is there while the write is under way, and goes
    /// once the shard took the rows.
    /// </summary>
    [Fact]
    public async Task A_change_being_stored_already_has_its_publish_reminder_which_goes_once_the_shard_took_the_rows()
    {
        const string user = "order-reminder-before-write";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var held = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites(UserGrain.StateName);
        Task<InterestWriteResult> write;
        try
        {
            write = grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)]);
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(fixture.Store.WritesHeld > held, "the user's state write waits");
                return Task.CompletedTask;
            });

            Assert.Equal([UserGrain.PublishReminder], (await ReminderRowsAsync(grain)).Reminders.Select(r => r.ReminderName));
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }

        Assert.Empty((await write).Errors);
        Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1");
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// The publish that the shard takes removes the reminder registered before the write with the handle its
    /// registration returned, so without reading it back: the table's reads failing leave no reminder behind.
    /// </summary>
    [Fact]
    public async Task A_publish_the_shard_took_removes_its_reminder_without_reading_it_back()
    {
        const string user = "order-reminder-removed-by-handle";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        fixture.Faults.FailUntilHealed(UserErasureHttpTests.FailingCalls.ReminderTable, "ReadRow");
        try
        {
            Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
        }
        finally
        {
            fixture.Faults.Heal();
        }

        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// The publish reminder registered again while the write is under way (as another activation of the user, whose
    /// write it retries, would): the handle this activation holds is stale, so its publish leaves that registration, and
    /// the registration's tick sends the rows stored and removes it.
    /// </summary>
    [Fact]
    public async Task A_publish_reminder_registered_again_during_the_write_stays_until_its_tick()
    {
        const string user = "order-reminder-registered-again";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var newer = await PutWhileThePublishReminderIsRegisteredAgainAsync(grain, new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold));
        Assert.Equal([newer], (await ReminderRowsAsync(grain)).Reminders.Select(r => r.ETag));

        await grain.AsReference<IRemindable>().ReceiveReminder(UserGrain.PublishReminder, default);

        Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1");
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// A publish reminder registered again during a write is not the writing activation's: the activation that registered
    /// it removes it once its own publish went through, so the next write registers one again before it is stored, and a
    /// silo lost after that write leaves its retry.
    /// </summary>
    [Fact]
    public async Task A_write_after_a_publish_reminder_registered_again_registers_its_own()
    {
        const string user = "order-reminder-registered-again-then-removed";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        var newer = await PutWhileThePublishReminderIsRegisteredAgainAsync(grain, new InterestInput("db2", Texts.DatabaseInterest));
        var table = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        // As the activation that registered it does once its shard took its rows.
        Assert.True(await table.RemoveRow(grain.GetGrainId(), UserGrain.PublishReminder, newer));

        fixture.Faults.FailUntilHealed<IScoringShardGrain>(nameof(IScoringShardGrain.Update));
        try
        {
            Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
            await fixture.Cluster.DeactivateAsync(grain);
        }
        finally
        {
            fixture.Faults.Heal();
        }

        // The activation took the reminder registered again for its own and registered none, so nothing retried this write.
        Assert.Equal([UserGrain.PublishReminder], (await ReminderRowsAsync(grain)).Reminders.Select(r => r.ReminderName));
        await grain.AsReference<IRemindable>().ReceiveReminder(UserGrain.PublishReminder, default);
        Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1");
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// With the reminder service down the failed publish leaves only the activation's retry timer; an erasure failing at its
    /// first step (the shard down too) leaves that timer running, so the shard still catches up with the stored change.
    /// </summary>
    [Fact]
    public async Task An_erasure_failing_at_its_first_step_keeps_the_publish_retry_of_a_change_its_shard_missed()
    {
        const string user = "order-erasure-failed-keeps-retry";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", Texts.DatabaseInterest)]);
        fixture.Faults.FailUntilHealed(UserErasureHttpTests.FailingCalls.ReminderTable, "UpsertRow");
        fixture.Faults.FailUntilHealed<IScoringShardGrain>(nameof(IScoringShardGrain.Update));
        try
        {
            Assert.Empty((await grain.PutInterests([new InterestInput("f1", Texts.RacingInterest, Texts.RacingThreshold)])).Errors);
            Assert.Equal(UserErasureSteps.Scoring, (await grain.Erase()).FailedStep);
        }
        finally
        {
            fixture.Faults.Heal();
        }
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);

        await Eventually.SucceedsAsync(async () =>
            Assert.Contains(await Gateway.Score([Texts.RacingMessage], user), m => m.UserId == user && m.InterestId == "f1"));
    }

    /// <summary>
    /// A publish reminder's tick for a user about whom nothing is stored (erased, its tick outliving the reminder's
    /// removal) sends its shard nothing, so the shard's record does not name the user again.
    /// </summary>
    [Fact]
    public async Task A_publish_reminder_tick_for_a_user_with_nothing_stored_leaves_the_shard_record_without_it()
    {
        const string user = "order-reminder-nothing-stored";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);

        await grain.AsReference<IRemindable>().ReceiveReminder(UserGrain.PublishReminder, default);

        Assert.False(ShardRecords.Name(fixture.Store, user));
        Assert.Empty((await ReminderRowsAsync(grain)).Reminders);
    }

    /// <summary>
    /// Writes <paramref name="interest"/>, registering the publish reminder again while the user's state write waits (as
    /// another activation of the user would): the etag of that registration.
    /// </summary>
    private async Task<string> PutWhileThePublishReminderIsRegisteredAgainAsync(IUserGrain grain, InterestInput interest)
    {
        var table = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>();
        var held = fixture.Store.WritesHeld;
        fixture.Store.HoldWrites(UserGrain.StateName);
        Task<InterestWriteResult> write;
        string? newer;
        try
        {
            write = grain.PutInterests([interest]);
            await Eventually.SucceedsAsync(() =>
            {
                Assert.True(fixture.Store.WritesHeld > held, "the user's state write waits");
                return Task.CompletedTask;
            });
            newer = await table.UpsertRow(new ReminderEntry
            {
                GrainId = grain.GetGrainId(),
                ReminderName = UserGrain.PublishReminder,
                StartAt = DateTime.UtcNow.Add(UserGrain.DigestCheckPeriod),
                Period = UserGrain.DigestCheckPeriod,
            });
        }
        finally
        {
            fixture.Store.ReleaseWrites();
        }
        Assert.Empty((await write).Errors);
        return newer ?? throw new InvalidOperationException("The reminder table refused the registration.");
    }

    private Task<ReminderTableData> ReminderRowsAsync(IUserGrain grain)
        => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<IReminderTable>().ReadRows(grain.GetGrainId());
}
