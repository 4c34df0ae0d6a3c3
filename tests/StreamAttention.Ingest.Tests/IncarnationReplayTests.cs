using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Publishing;
using static StreamAttention.Ingest.Tests.ScoringFaultTests;

namespace StreamAttention.Ingest.Tests;

/// <summary>A <see cref="FaultyClusterFixture"/> whose silos read a clock the tests move: the live feed's erasure memory passes at once.</summary>
public sealed class FaultyClusterOnFakeClockFixture : FaultyClusterFixture
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 9, 0, 0, TimeSpan.Zero));

    protected override void Configure(ISiloBuilder silo) => silo.Services.AddSingleton<TimeProvider>(Time);
}

/// <summary>
/// A <c>decision-failed</c> dead letter carries the incarnation of the user it was written for, and a replay is scored
/// for that incarnation alone: a user erased and created again under the same id, however long after the erasure, is
/// another user, and nothing of the erased one is kept to tell them apart. Each test uses its own user and moves the
/// silos' clock past <c>LiveFeed:ErasureMemory</c> after its erasure.
/// </summary>
public sealed class IncarnationReplayTests(FaultyClusterOnFakeClockFixture fixture) : IClassFixture<FaultyClusterOnFakeClockFixture>
{
    private static string Skipped => $"{IngestInstruments.Skipped}:{IngestInstruments.UserErased}";

    [Fact]
    public async Task A_dead_letter_replayed_long_after_its_users_erasure_does_not_reach_the_user_created_again_under_its_id()
    {
        const string userKey = "incarnation-erased-long-ago";
        var user = await CreateAsync(userKey);
        const string groupId = "incarnation-erased-long-ago";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        try
        {
            var deadLetter = await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "erased-long-ago");
            Assert.Equal(await IncarnationHeaderOf(user), OutputReader.Header(deadLetter, DeadLetterHeaders.Incarnation));
            await EraseAndForgetAsync(user);
            await CreateAsync(userKey);

            await ReplayTheDecisionFailedDeadLetterAsync(kafka, ingest, groupId);

            Assert.Empty(PublishedMatches(kafka));
            Assert.Equal(1, outcomes[Skipped]);
        }
        finally
        {
            // Erased for good: the fixture's other tests expect their own users' matches alone.
            await user.Erase();
        }
    }

    /// <summary>
    /// A user whose grain could not decide and whose shard cannot give its incarnation either (storage down for both):
    /// its dead letter is written without one, not the batch failed for every user; its replay reaches it by the
    /// erasure-mark rule.
    /// </summary>
    [Fact]
    public async Task A_dead_letter_whose_users_shard_cannot_give_the_incarnation_is_written_without_one_and_replays_to_the_user()
    {
        const string userKey = "incarnation-shard-down";
        var user = await CreateAsync(userKey);
        const string groupId = "incarnation-shard-down";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        try
        {
            fixture.Faults.IncarnationLookupsFail = true;
            ConsumeResult<byte[], byte[]> deadLetter;
            try
            {
                deadLetter = await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "shard-down");
            }
            finally
            {
                fixture.Faults.IncarnationLookupsFail = false;
            }
            Assert.False(deadLetter.Message.Headers.TryGetLastBytes(DeadLetterHeaders.Incarnation, out _));
            Assert.Equal(0, outcomes.Restarts);

            await ReplayTheDecisionFailedDeadLetterAsync(kafka, ingest, groupId);

            Assert.Equal<(string, string)>([("shard-down", userKey)], PublishedMatches(kafka));
        }
        finally
        {
            // Erased for good: the fixture's other tests expect their own users' matches alone.
            await user.Erase();
        }
    }

    [Fact]
    public async Task A_dead_letter_of_the_user_created_again_long_after_an_erasure_carries_its_incarnation_and_reaches_it()
    {
        const string userKey = "incarnation-created-again";
        var user = await CreateAsync(userKey);
        var erasedIncarnation = await user.GetIncarnation();
        await EraseAndForgetAsync(user);
        await CreateAsync(userKey);
        const string groupId = "incarnation-created-again";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        try
        {
            var deadLetter = await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "created-again");
            Assert.NotEqual(erasedIncarnation, await user.GetIncarnation());
            Assert.Equal(await IncarnationHeaderOf(user), OutputReader.Header(deadLetter, DeadLetterHeaders.Incarnation));

            await ReplayTheDecisionFailedDeadLetterAsync(kafka, ingest, groupId);

            Assert.Equal<(string, string)>([("created-again", userKey)], PublishedMatches(kafka));
            Assert.Equal(0, outcomes[Skipped]);
        }
        finally
        {
            await user.Erase();
        }
    }

    /// <summary>
    /// A dead letter without the incarnation header (written before incarnations, or for a user that had none) follows
    /// the erasure-mark rule: skipped while the live feed remembers the erasure, received by the user created again after
    /// that; the same dead letter with its incarnation is skipped then too.
    /// </summary>
    [Fact]
    public async Task A_dead_letter_without_an_incarnation_is_skipped_only_while_the_live_feed_remembers_the_erasure()
    {
        const string userKey = "incarnation-none";
        var user = await CreateAsync(userKey);
        const string groupId = "incarnation-none";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        try
        {
            var deadLetter = (await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "no-incarnation")).Message;
            var withoutIncarnation = new Message<byte[], byte[]> { Key = deadLetter.Key, Value = deadLetter.Value, Headers = [] };
            foreach (var header in deadLetter.Headers.Where(h => h.Key != DeadLetterHeaders.Incarnation))
            {
                withoutIncarnation.Headers.Add(header);
            }
            Assert.Null((await user.Erase()).FailedStep);
            await CreateAsync(userKey);

            await ProduceBackAsync(kafka, ingest, groupId, withoutIncarnation);
            Assert.Empty(PublishedMatches(kafka));
            Assert.Equal(1, outcomes[Skipped]);

            fixture.Time.Advance(new LiveFeedOptions().ErasureMemory + TimeSpan.FromSeconds(1));
            await ProduceBackAsync(kafka, ingest, groupId, deadLetter);
            Assert.Empty(PublishedMatches(kafka));
            Assert.Equal(2, outcomes[Skipped]);

            await ProduceBackAsync(kafka, ingest, groupId, withoutIncarnation);
            Assert.Equal<(string, string)>([("no-incarnation", userKey)], PublishedMatches(kafka));
            Assert.Equal(2, outcomes[Skipped]);
        }
        finally
        {
            await user.Erase();
        }
    }

    /// <summary>
    /// A replay whose user's grain does not give its incarnation is not scored (whose it is is not known): it is
    /// dead-lettered again whole, with the user and incarnation its dead letter carried, for a later replay.
    /// </summary>
    [Fact]
    public async Task A_replay_whose_users_grain_does_not_give_its_incarnation_is_dead_lettered_again_with_its_headers()
    {
        const string userKey = "incarnation-unread";
        var user = await CreateAsync(userKey);
        const string groupId = "incarnation-unread";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        try
        {
            var deadLetter = await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "incarnation-unread");
            fixture.Faults.FailUser(userKey);
            try
            {
                await ProduceBackAsync(kafka, ingest, groupId, deadLetter.Message);
            }
            finally
            {
                fixture.Faults.FailUser(null);
            }

            var again = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).Last();
            Assert.Equal((DeadLetterReasons.DecisionFailed, userKey, OutputReader.Header(deadLetter, DeadLetterHeaders.Incarnation)),
                (OutputReader.Header(again, DeadLetterHeaders.Error), OutputReader.Header(again, DeadLetterHeaders.User), OutputReader.Header(again, DeadLetterHeaders.Incarnation)));
            Assert.StartsWith("the user's incarnation could not be read", OutputReader.Header(again, DeadLetterHeaders.ErrorDetail));
            Assert.Empty(PublishedMatches(kafka));
        }
        finally
        {
            await user.Erase();
        }
    }

    private async Task<IUserGrain> CreateAsync(string userKey)
    {
        var user = fixture.Cluster.Client.GetGrain<IUserGrain>(userKey);
        await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        Assert.NotEqual(Guid.Empty, await user.GetIncarnation());
        return user;
    }

    /// <summary>Erases the user and moves the silos' clock past the live feed's memory of that erasure.</summary>
    private async Task EraseAndForgetAsync(IUserGrain user)
    {
        Assert.Null((await user.Erase()).FailedStep);
        fixture.Time.Advance(new LiveFeedOptions().ErasureMemory + TimeSpan.FromSeconds(1));
        Assert.Empty(await fixture.Cluster.Client.GetGrain<IMatchFeedGrain>(0).ErasedAfter(ErasureMark.BeforeAny));
    }

    private static async Task<string> IncarnationHeaderOf(IUserGrain user) => (await user.GetIncarnation()).ToString("N");
}
