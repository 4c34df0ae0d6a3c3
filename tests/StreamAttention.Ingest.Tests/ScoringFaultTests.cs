using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.TestingHost;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Shards;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Ingest.Replay;
using TestCluster = StreamAttention.Testing.TestCluster;

namespace StreamAttention.Ingest.Tests;

/// <summary>Two silos whose scoring gateway has <see cref="ScoringFaults"/> injected.</summary>
public class FaultyClusterFixture : IAsyncLifetime
{
    public ScoringFaults Faults { get; } = new();

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Decisions:AnswerDeadline stays at its default (10 s): at 1 s, a healthy user's answer on a loaded machine came
        // later than that and its matches were dead-lettered as a hung user's. Only the hung user's test waits it out.
        Cluster = await TestCluster.StartAsync(new SharedGrainStore(), configure: silo =>
        {
            silo.AddIncomingGrainCallFilter(Faults);
            Configure(silo);
        });
        await Traffic.PutInterestsAsync(Cluster.Client);
    }

    /// <summary>More silo configuration, after the faults' filter.</summary>
    protected virtual void Configure(ISiloBuilder silo)
    {
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Scoring that fails for some messages, or refuses work: the stream goes on, and nothing is lost.</summary>
public sealed class ScoringFaultTests(FaultyClusterFixture fixture) : IClassFixture<FaultyClusterFixture>
{
    private const int Count = 90;

    /// <summary>
    /// A batch that throws (here the erasure mark, which no retry handles) is read again after the consumer's restart:
    /// its span says it failed and with what type of exception, not the exception's message, which may quote data.
    /// </summary>
    [Fact]
    public async Task A_batch_that_fails_ends_its_span_with_an_error_status_naming_the_exceptions_type_alone()
    {
        using var spans = new IngestTracingTests.IngestSpans();
        await using var kafka = Traffic.StartKafka();
        const string groupId = "failing-batch";
        var producer = IngestTracingTests.Traced();
        fixture.Faults.ErasureMarksFail = true;
        try
        {
            using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
            await IngestTracingTests.ProduceAsync(kafka, ("failing-db", Traffic.TextOf(0), producer));
            await ingest.Log().WaitForAsync("Kafka ingest failed");
            fixture.Faults.ErasureMarksFail = false;
            await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());
        }
        finally
        {
            fixture.Faults.ErasureMarksFail = false;
        }

        var attempts = spans.Of(producer.TraceId).ToArray();
        Assert.True(attempts.Length >= 2, $"{attempts.Length} batch spans");
        var (failed, delivered) = (attempts[0], attempts[^1]);
        var type = typeof(InvalidOperationException).FullName;
        Assert.Equal((ActivityStatusCode.Error, type, type), (failed.Status, failed.StatusDescription, failed.GetTagItem("error.type")));
        Assert.Equal((ActivityStatusCode.Unset, null), (delivered.Status, delivered.GetTagItem("error.type")));
        spans.AssertNoText(ScoringFaults.PoisonWord, Traffic.TextOf(0));
    }

    [Fact]
    public async Task A_message_that_makes_scoring_throw_is_dead_lettered_and_the_rest_of_its_batch_is_delivered()
    {
        await using var kafka = Traffic.StartKafka();
        int[] poisoned = [7, 40, 41];
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "poison");
        using var outcomes = new OutcomeCounter(ingest);
        await Traffic.ProduceAsync(kafka, 0, Count, i => poisoned.Contains(i)
            ? JsonSerializer.Serialize(new { id = Traffic.Id(i), text = $"{ScoringFaults.PoisonWord} {Traffic.TextOf(i)}" })
            : Traffic.Json(i));

        await OutputReader.WaitForAllCommittedAsync(kafka, "poison", ingest.Log());

        var published = OutputReader.ReadMatches(kafka).Select(m => ((string)m["messageId"]!, (string)m["userId"]!)).ToHashSet();
        var expected = Traffic.ExpectedMatches(Count);
        expected.ExceptWith(poisoned.Select(i => (Traffic.Id(i), i % 3 == 0 ? Traffic.DatabaseUser : Traffic.RacingUser)));
        Assert.Equal(expected.Order(), published.Order());
        var deadLetters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic);
        Assert.Equal(poisoned.Select(Traffic.Id).Order(), deadLetters.Select(d => JsonDocument.Parse(d.Message.Value).RootElement.GetProperty("id").GetString()!).Order());
        Assert.All(deadLetters, d =>
        {
            Assert.Equal(DeadLetterReasons.ScoringFailed, OutputReader.Header(d, DeadLetterHeaders.Error));
            Assert.Contains("poisoned", OutputReader.Header(d, DeadLetterHeaders.ErrorDetail));
        });
        Assert.Equal(poisoned.Length, outcomes.DeadLetters(DeadLetterReasons.ScoringFailed));
        Assert.Equal(0, outcomes.Restarts);
    }

    [Fact]
    public async Task A_user_whose_grain_cannot_activate_gets_dead_letters_that_replay_to_it_alone_and_the_other_user_gets_its_matches()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "undecided");
        using var outcomes = new OutcomeCounter(ingest);
        var broadcaster = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<MatchBroadcaster>();
        for (var poll = 0; poll < 600 && !broadcaster.IsSubscribed; poll++)
        {
            await Task.Delay(100);
        }
        Assert.True(broadcaster.IsSubscribed, "the silo's live feed did not subscribe within a minute");
        using var racingFeed = broadcaster.Subscribe(Traffic.RacingUser, capacity: 4 * Count);
        // Message i % 3 == 0 matches both users, 1 is for the racing user alone (its field), 2 matches nobody.
        var both = $"{Texts.DatabaseMessage} {Texts.RacingMessage}";
        fixture.Faults.FailUser(Traffic.RacingUser);
        try
        {
            await Traffic.ProduceAsync(kafka, 0, Count, i => i % 3 == 1
                ? JsonSerializer.Serialize(new { id = Traffic.Id(i), text = Traffic.TextOf(i), user = Traffic.RacingUser })
                : JsonSerializer.Serialize(new { id = Traffic.Id(i), text = i % 3 == 0 ? both : Traffic.TextOf(i) }));
            await OutputReader.WaitForAllCommittedAsync(kafka, "undecided", ingest.Log());
        }
        finally
        {
            fixture.Faults.FailUser(null);
        }

        var (racingMatches, deadLetters) = AssertRacingMatchesDeadLettered(kafka, "cannot activate");
        Assert.Equal(racingMatches.Length, outcomes.DeadLetters(DeadLetterReasons.DecisionFailed));
        // A message that matched only the failing user still matched: every message has one outcome.
        Assert.Equal((racingMatches.Length, Count - racingMatches.Length, Count),
            (outcomes[IngestInstruments.Matched], outcomes[IngestInstruments.NoMatch], outcomes.Total));
        Assert.Equal(0, outcomes.Restarts);

        // Replayed once the user's grain decides again.
        await ReplayToTheRacingUserAsync(kafka, ingest, "undecided", racingMatches, deadLetters);
        // The user's live feed showed nothing while its grain could not decide: its first matches are the replay's, decided.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var live = await racingFeed.Reader.ReadAllAsync(timeout.Token).Take(racingMatches.Length).ToListAsync(timeout.Token);
        Assert.DoesNotContain(live, m => m.Match.Delivery == DeliveryKinds.Undecided);
    }

    [Fact]
    public async Task A_batch_scored_again_after_a_users_decisions_timed_out_publishes_what_the_other_user_decided_the_first_time()
    {
        // Users of this test alone, with an interest no other test's message matches: no earlier message is a near-duplicate.
        string[] users = ["ingest-retry-first", "ingest-retry-second"];
        foreach (var user in users)
        {
            await fixture.Cluster.Client.GetGrain<IUserGrain>(user).PutInterests([new InterestInput(Traffic.InterestId, "volcano eruption and ash clouds")]);
        }
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "retried");
        using var outcomes = new OutcomeCounter(ingest);
        // The gateway's four attempts of the second user's decision time out: the batch fails as the cluster's failure,
        // after the first user decided (and recorded) its match, and the ingest scores it again.
        fixture.Faults.TimeOutDecisions(users[1], calls: 4);
        await Traffic.ProduceAsync(kafka, 0, 1, _ => JsonSerializer.Serialize(new { id = "eruption", text = "the volcano eruption sent an ash cloud over the island" }));
        await OutputReader.WaitForAllCommittedAsync(kafka, "retried", ingest.Log());

        Assert.Equal(0, fixture.Faults.DecisionTimeoutsLeft);
        // Each user's match was published once (the failed attempt published nothing), as the first decision: immediate,
        // where a new match id would have made the first user's match a duplicate of the one it recorded then.
        var published = OutputReader.ReadMatches(kafka).Where(m => users.Contains((string)m["userId"]!)).ToArray();
        Assert.Equal(users.Select(user => (user, DeliveryKinds.Immediate)).Order(), published.Select(m => ((string)m["userId"]!, (string)m["delivery"]!)).Order());
        var notified = OutputReader.ReadAll(kafka, Traffic.NotificationTopic).Select(n => JsonNode.Parse(n.Message.Value)!["userId"]!.GetValue<string>());
        Assert.Equal(users.Order(), notified.Order());
        Assert.Equal((1, 0), (outcomes[IngestInstruments.Matched], outcomes.Restarts));
    }

    [Fact]
    public async Task A_user_hung_in_its_grain_gets_dead_letters_while_the_stream_goes_on_and_their_replay_gets_the_decisions_it_made_meanwhile()
    {
        await using var kafka = Traffic.StartKafka();
        // The user check of a message addressed to the hung user waits behind its decision, a second here.
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "hung", options => options.Tenancy.UserCheckTimeout = TimeSpan.FromSeconds(1));
        using var outcomes = new OutcomeCounter(ingest);
        // Message i % 3 == 0 matches both users, 1 the racing user alone, 2 nobody. Every other racing message is
        // addressed to the racing user: scored in a call of its own, where nobody else answers (the probe does).
        var both = $"{Texts.DatabaseMessage} {Texts.RacingMessage}";
        fixture.Faults.HoldDecisions(Traffic.RacingUser);
        try
        {
            await Traffic.ProduceAsync(kafka, 0, Count, i => i % 6 == 1
                ? JsonSerializer.Serialize(new { id = Traffic.Id(i), text = Traffic.TextOf(i), user = Traffic.RacingUser })
                : JsonSerializer.Serialize(new { id = Traffic.Id(i), text = i % 3 == 0 ? both : Traffic.TextOf(i) }));
            await OutputReader.WaitForAllCommittedAsync(kafka, "hung", ingest.Log());
        }
        finally
        {
            fixture.Faults.ReleaseDecisions();
        }

        var (racingMatches, deadLetters) = AssertRacingMatchesDeadLettered(kafka, "answer");
        Assert.Equal(0, outcomes.Restarts);

        // Released, the grain decided what it was first asked; the replay gets those decisions (the same match ids).
        await ReplayToTheRacingUserAsync(kafka, ingest, "hung", racingMatches, deadLetters);
        Assert.Equal(0, outcomes.Restarts);
    }

    /// <summary>The messages of <see cref="Count"/> (i % 3 == 0 matching both users) whose matches each user gets.</summary>
    private static (string MessageId, string UserId)[] MatchesOf(string userId, Func<int, bool> matching)
        => [.. Enumerable.Range(0, Count).Where(matching).Select(i => (Traffic.Id(i), userId))];

    private static (string MessageId, string UserId)[] DatabaseMatches => MatchesOf(Traffic.DatabaseUser, i => i % 3 == 0);

    /// <summary>
    /// With the racing user's grain unable to decide, every message 0–2 (mod 3) but the last matched it: the database
    /// user's matches were published, and each of the racing user's went to a <c>decision-failed</c> dead letter for it.
    /// </summary>
    private static ((string MessageId, string UserId)[] RacingMatches, List<ConsumeResult<byte[], byte[]>> DeadLetters) AssertRacingMatchesDeadLettered(
        EmbeddedKafkaCluster kafka, string detail)
    {
        var racingMatches = MatchesOf(Traffic.RacingUser, i => i % 3 != 2);
        Assert.Equal(DatabaseMatches.Order(), PublishedMatches(kafka).Order());
        var deadLetters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic);
        Assert.Equal(racingMatches.Select(m => m.MessageId).Order(), deadLetters.Select(d => JsonDocument.Parse(d.Message.Value).RootElement.GetProperty("id").GetString()!).Order());
        Assert.All(deadLetters, d =>
        {
            Assert.Equal(DeadLetterReasons.DecisionFailed, OutputReader.Header(d, DeadLetterHeaders.Error));
            Assert.Equal(Traffic.RacingUser, OutputReader.Header(d, DeadLetterHeaders.User));
            Assert.Contains(detail, OutputReader.Header(d, DeadLetterHeaders.ErrorDetail));
        });
        return (racingMatches, deadLetters);
    }

    /// <summary>
    /// Replays the <c>decision-failed</c> dead letters: each reaches the racing user, and nobody else again, with the match
    /// id of its first scoring (a replayed message keeps where it was first read).
    /// </summary>
    private static async Task ReplayToTheRacingUserAsync(EmbeddedKafkaCluster kafka, IHost ingest, string groupId, (string MessageId, string UserId)[] racingMatches,
        List<ConsumeResult<byte[], byte[]>> deadLetters)
    {
        var replayed = await new DeadLetterReplayer(Microsoft.Extensions.Options.Options.Create(new DeadLetterReplayOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            Reasons = [DeadLetterReasons.DecisionFailed],
        }), NullLogger<DeadLetterReplayer>.Instance).ReplayAsync(CancellationToken.None);
        Assert.Equal(deadLetters.Count, replayed.Replayed);
        await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());

        Assert.Equal(DatabaseMatches.Concat(racingMatches).Order(), PublishedMatches(kafka).Order());
        Assert.Equal(deadLetters.Count, OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).Count);
        var racingMatch = new TextMatch(0, Traffic.RacingUser, Traffic.InterestId, 0, []);
        Assert.Equal(deadLetters.Select(d => MatchIds.OfSources([OutputReader.Header(d, DeadLetterHeaders.Origin)], [(string)JsonNode.Parse(d.Message.Value)!["text"]!], [(0, racingMatch)]).Single()).Order(),
            OutputReader.ReadMatches(kafka).Where(m => (string)m["userId"]! == Traffic.RacingUser).Select(m => (string)m["matchId"]!).Order());
    }

    internal static IEnumerable<(string MessageId, string UserId)> PublishedMatches(EmbeddedKafkaCluster kafka)
        => OutputReader.ReadMatches(kafka).Select(m => ((string)m["messageId"]!, (string)m["userId"]!));

    /// <summary>
    /// A batch scored and decided before its user's erasure, waiting for its turn behind a batch read before it, loses
    /// that user's matches right before it is produced; the message's other matches go out and every offset commits. So
    /// also where the ingest's clock is ahead of the erasing silo's by more than the batch took (the silo's behind): the
    /// erasure is ordered by the live feed's count of erasures, not by the two clocks' times.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(60)]
    public async Task A_match_decided_before_its_users_erasure_whose_batch_waits_for_its_turn_is_not_produced(int ingestClockAheadMinutes)
    {
        var erasedUser = $"ingest-erased-{ingestClockAheadMinutes}";
        var holdWord = $"slowfirst{ingestClockAheadMinutes}";
        var erased = fixture.Cluster.Client.GetGrain<IUserGrain>(erasedUser);
        await erased.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, $"erased-{ingestClockAheadMinutes}",
            time: new SkewedClock(TimeSpan.FromMinutes(ingestClockAheadMinutes)));
        using var outcomes = new OutcomeCounter(ingest);
        try
        {
            var held = fixture.Faults.HoldScoringOf(holdWord);
            await Traffic.ProduceAsync(kafka, 0, 1, _ => JsonSerializer.Serialize(new { id = "first", text = $"{holdWord} {Texts.Unrelated}" }));
            await held;
            // Read after the held batch: scored and decided, then waiting for the held batch to be produced first.
            await Traffic.ProduceAsync(kafka, 1, 1, _ => JsonSerializer.Serialize(new { id = "late", text = Texts.DatabaseMessage }));
            await Eventually.SucceedsAsync(async () => Assert.NotEmpty(await erased.GetMatches(1)));

            Assert.Null((await erased.Erase()).FailedStep);
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, $"erased-{ingestClockAheadMinutes}", ingest.Log());

        Assert.Equal<(string, string)>([("late", Traffic.DatabaseUser)], PublishedMatches(kafka));
        Assert.DoesNotContain(OutputReader.ReadAll(kafka, Traffic.NotificationTopic), n => JsonNode.Parse(n.Message.Value)!["userId"]!.GetValue<string>() == erasedUser);
        // The dropped match is no record of the match topic: the one published is counted, not the two decided.
        Assert.Equal((1, 1, 1, 1, 0), (outcomes[IngestInstruments.Matched], outcomes[IngestInstruments.NoMatch], outcomes.ErasedMatches, outcomes.MatchRecords, outcomes.Restarts));
    }

    /// <summary>
    /// A user whose grain could not decide, erased while its batch waits for its turn: the batch writes no
    /// <c>decision-failed</c> dead letter for it (it would keep the erased user's message, with an incarnation asked after
    /// the decisions, which may already be a user's created again since); the message's other matches go out. A message
    /// that only that user matched is counted as matching nothing, as one whose decided match is dropped for the erasure.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_user_left_undecided_and_erased_before_its_batchs_turn_gets_no_dead_letter(bool anotherUserMatches)
    {
        var erasedUser = $"ingest-undecided-erased-{anotherUserMatches}";
        var holdWord = $"slowfirstundecided{anotherUserMatches}";
        // An interest of this test alone, for the message that no other user matches.
        const string ownInterest = "glacier meltwater flooding the valley";
        var erased = fixture.Cluster.Client.GetGrain<IUserGrain>(erasedUser);
        await erased.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest), new InterestInput("own", ownInterest)]);
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, erasedUser);
        using var outcomes = new OutcomeCounter(ingest);
        var failedBefore = fixture.Faults.FailedDecisions;
        fixture.Faults.FailDecisions(erasedUser);
        try
        {
            var held = fixture.Faults.HoldScoringOf(holdWord);
            await Traffic.ProduceAsync(kafka, 0, 1, _ => JsonSerializer.Serialize(new { id = "first", text = $"{holdWord} {Texts.Unrelated}" }));
            await held;
            // Read after the held batch: its erasure mark taken, then its user's decision failed.
            var lateText = anotherUserMatches ? Texts.DatabaseMessage : "glacier meltwater flooded the valley road";
            await Traffic.ProduceAsync(kafka, 1, 1, _ => JsonSerializer.Serialize(new { id = "late", text = lateText }));
            await Eventually.SucceedsAsync(() => Task.Run(() => Assert.True(fixture.Faults.FailedDecisions > failedBefore)));

            Assert.Null((await erased.Erase()).FailedStep);
            fixture.Faults.ReleaseScoring();
            // Still failing while the gateway asks again: the batch ends with the user undecided.
            await OutputReader.WaitForAllCommittedAsync(kafka, erasedUser, ingest.Log());
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
            fixture.Faults.FailDecisions(null);
        }

        Assert.Equal<(string, string)>(anotherUserMatches ? [("late", Traffic.DatabaseUser)] : [], PublishedMatches(kafka));
        Assert.DoesNotContain(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic), d => OutputReader.Header(d, DeadLetterHeaders.User) == erasedUser);
        var (matched, noMatch) = anotherUserMatches ? (1, 1) : (0, 2);
        Assert.Equal((matched, noMatch, 1, 0), (outcomes[IngestInstruments.Matched], outcomes[IngestInstruments.NoMatch], outcomes.ErasedMatches, outcomes.Restarts));
    }

    /// <summary>
    /// A <c>decision-failed</c> dead letter replayed after its user was erased (and, for one case, created again since,
    /// which makes another user of the key) is neither scored for the user nor dead-lettered again with its key: skipped,
    /// counted and logged without the key. A user that has no interests left is skipped so too (the case of an erasure
    /// the live feed no longer remembers: nothing of the user is kept).
    /// </summary>
    [Theory]
    [InlineData("erased")]
    [InlineData("erased-and-created-again")]
    [InlineData("interests-deleted")]
    public async Task A_dead_letter_replayed_after_its_users_erasure_is_not_scored_for_it_nor_dead_lettered_again(string since)
    {
        var userKey = $"ingest-replay-{since}";
        var user = fixture.Cluster.Client.GetGrain<IUserGrain>(userKey);
        await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        try
        {
            var groupId = $"replay-{since}";
            await using var kafka = Traffic.StartKafka();
            using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
            using var outcomes = new OutcomeCounter(ingest);
            await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "for-one-user");
            if (since == "interests-deleted")
            {
                Assert.True(await user.DeleteInterest(Traffic.InterestId));
            }
            else
            {
                Assert.Null((await user.Erase()).FailedStep);
            }
            if (since == "erased-and-created-again")
            {
                await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
            }

            await ReplayTheDecisionFailedDeadLetterAsync(kafka, ingest, groupId);

            Assert.Empty(PublishedMatches(kafka));
            Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
            Assert.Equal(1, outcomes[$"{IngestInstruments.Skipped}:{IngestInstruments.UserErased}"]);
            await ingest.Log().WaitForAsync("is for a user erased since");
            Assert.DoesNotContain(userKey, ingest.Log().Tail().Split('\n').Single(line => line.Contains("is for a user erased since", StringComparison.Ordinal)));
        }
        finally
        {
            // Erased for good: the fixture's other tests expect their own users' matches alone.
            await user.Erase();
        }
    }

    /// <summary>
    /// A user erased and created again is another user: a <c>decision-failed</c> dead letter of the new one (its grain
    /// failed after it was created again) replayed while the live feed still remembers the erasure reaches it, as it
    /// would have without the erasure; only dead letters written before the erasure are skipped.
    /// </summary>
    [Fact]
    public async Task A_dead_letter_written_after_its_users_erasure_for_the_user_created_again_is_replayed_to_it()
    {
        const string userKey = "ingest-replay-after-erasure";
        var user = fixture.Cluster.Client.GetGrain<IUserGrain>(userKey);
        await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        Assert.Null((await user.Erase()).FailedStep);
        await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        try
        {
            const string groupId = "replay-after-erasure";
            await using var kafka = Traffic.StartKafka();
            using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
            using var outcomes = new OutcomeCounter(ingest);
            await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "after-erasure");
            await ReplayTheDecisionFailedDeadLetterAsync(kafka, ingest, groupId);

            Assert.Equal<(string, string)>([("after-erasure", userKey)], PublishedMatches(kafka));
            Assert.Equal(0, outcomes[$"{IngestInstruments.Skipped}:{IngestInstruments.UserErased}"]);
        }
        finally
        {
            // Erased for good: the fixture's other tests expect their own users' matches alone.
            await user.Erase();
        }
    }

    /// <summary>
    /// A <c>decision-failed</c> dead letter produced back to the input topic as it is (key, value, headers: the README's
    /// way to replay one by hand, with no replay count) after its user was erased is skipped as the replay command's is,
    /// not scored for the user.
    /// </summary>
    [Fact]
    public async Task A_dead_letter_produced_back_as_it_is_after_its_users_erasure_is_skipped()
    {
        const string userKey = "ingest-replay-as-it-is";
        var user = fixture.Cluster.Client.GetGrain<IUserGrain>(userKey);
        await user.PutInterests([new InterestInput(Traffic.InterestId, Texts.DatabaseInterest)]);
        const string groupId = "replay-as-it-is";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        await DecisionFailedDeadLetterAsync(fixture.Faults, kafka, ingest, groupId, userKey, "as-it-is");
        Assert.Null((await user.Erase()).FailedStep);

        await ProduceBackAsync(kafka, ingest, groupId, Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic)).Message);

        Assert.Equal(1, outcomes[$"{IngestInstruments.Skipped}:{IngestInstruments.UserErased}"]);
        Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
    }

    /// <summary>
    /// A message for <paramref name="userKey"/> alone, read while the user's grain fails: one more <c>decision-failed</c>
    /// dead letter for the user (returned; <paramref name="messageId"/> is the test's own).
    /// </summary>
    internal static async Task<ConsumeResult<byte[], byte[]>> DecisionFailedDeadLetterAsync(ScoringFaults faults, EmbeddedKafkaCluster kafka, IHost ingest, string groupId, string userKey,
        string messageId)
    {
        faults.FailUser(userKey);
        try
        {
            await Traffic.ProduceAsync(kafka, 0, 1, _ => JsonSerializer.Serialize(new { id = messageId, text = Texts.DatabaseMessage, user = userKey }));
            await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());
        }
        finally
        {
            faults.FailUser(null);
        }
        var deadLetter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic), d => (string?)JsonNode.Parse(d.Message.Value)!["id"] == messageId);
        Assert.Equal((DeadLetterReasons.DecisionFailed, userKey), (OutputReader.Header(deadLetter, DeadLetterHeaders.Error), OutputReader.Header(deadLetter, DeadLetterHeaders.User)));
        return deadLetter;
    }

    /// <summary>Produces <paramref name="deadLetter"/> back to the input topic as it is (key, value, headers: the README's way to replay one by hand) and waits until the ingest committed past it.</summary>
    internal static async Task ProduceBackAsync(EmbeddedKafkaCluster kafka, IHost ingest, string groupId, Message<byte[], byte[]> deadLetter)
    {
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build())
        {
            await producer.ProduceAsync(Traffic.InputTopic, new Message<byte[]?, byte[]?> { Key = deadLetter.Key, Value = deadLetter.Value, Headers = deadLetter.Headers })
                .WaitAsync(KafkaClients.Deadline);
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());
    }

    /// <summary>Replays the one <c>decision-failed</c> dead letter and waits until the ingest committed past it.</summary>
    internal static async Task ReplayTheDecisionFailedDeadLetterAsync(EmbeddedKafkaCluster kafka, IHost ingest, string groupId)
    {
        var replayed = await new DeadLetterReplayer(Microsoft.Extensions.Options.Options.Create(new DeadLetterReplayOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            Reasons = [DeadLetterReasons.DecisionFailed],
        }), NullLogger<DeadLetterReplayer>.Instance).ReplayAsync(CancellationToken.None);
        Assert.Equal(1, replayed.Replayed);
        await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());
    }

    [Fact]
    public async Task While_scoring_is_held_the_consumer_lag_counts_every_message_not_processed_and_is_zero_once_all_are()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "lag");
        using var outcomes = new OutcomeCounter(ingest);
        fixture.Faults.HoldScoring();
        try
        {
            await Traffic.ProduceAsync(kafka, 0, Count);

            // Read into batches or not, paused or not: none is processed.
            await Eventually.SucceedsAsync(() => Task.Run(() => Assert.Equal(Count, outcomes.ConsumerLag)));
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "lag", ingest.Log());
        await Eventually.SucceedsAsync(() => Task.Run(() => Assert.Equal(0, outcomes.ConsumerLag)));
    }

    /// <summary>
    /// A grain storage outage fails every call while it lasts: a scoring call's (the users' shards) or, before a batch is
    /// produced, the erasure check's (the live feed grain reads its stored erasures when it activates). No message is to
    /// blame, so the batch is retried as for the cluster's unavailability (and logged as the storage's), not bisected
    /// into dead letters, and the stream goes on without a restart once the storage answers.
    /// </summary>
    [Theory]
    [InlineData("scoring")]
    [InlineData("erasure-check")]
    public async Task A_call_whose_grain_storage_did_not_answer_is_retried_as_the_storages_failure_and_nothing_is_dead_lettered(string call)
    {
        var groupId = $"storage-outage-{call}";
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, groupId);
        using var outcomes = new OutcomeCounter(ingest);
        var (start, end) = call == "scoring"
            ? ((Action)fixture.Faults.StartStorageOutage, (Action)fixture.Faults.EndStorageOutage)
            : (fixture.Faults.StartFeedStorageOutage, fixture.Faults.EndFeedStorageOutage);
        start();
        try
        {
            await Traffic.ProduceAsync(kafka, 0, Count);
            // Past Ingest:ScoringAttempts (3), where a failure the messages are blamed for stops being retried.
            await ingest.Log().WaitForAsync("(attempt 4: storage unavailable)");
        }
        finally
        {
            end();
        }

        await OutputReader.WaitForAllCommittedAsync(kafka, groupId, ingest.Log());

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), Count, maxDuplicates: 0));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal(0, outcomes.Restarts);
    }

    [Fact]
    public async Task A_full_scoring_queue_pauses_the_consumer_which_resumes_and_delivers_everything()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "busy");
        using var outcomes = new OutcomeCounter(ingest);
        var refusedBefore = fixture.Faults.Refused;
        fixture.Faults.RefuseAsBusy(5);
        await Traffic.ProduceAsync(kafka, 0, Count);

        await OutputReader.WaitForAllCommittedAsync(kafka, "busy", ingest.Log());

        Assert.Equal(5, fixture.Faults.Refused - refusedBefore);
        Assert.True(outcomes.Pauses > 0, "the consumer never paused while scoring was busy");
        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), Count, maxDuplicates: 0));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal(0, outcomes.Restarts);
    }

    /// <summary>
    /// A call that never answers (in flight to a silo that was killed) is given up at its deadline and asked again,
    /// instead of stalling every partition for Orleans' response timeout; nothing is lost, duplicated or restarted.
    /// </summary>
    [Fact]
    public async Task A_scoring_call_that_does_not_answer_within_its_deadline_is_asked_again()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "deadline", options => options.ScoringCallDeadlineFloor = TimeSpan.FromSeconds(1));
        using var outcomes = new OutcomeCounter(ingest);
        var log = ingest.Log();
        try
        {
            fixture.Faults.HoldScoring();
            await Traffic.ProduceAsync(kafka, 0, Count);
            await log.WaitForAsync("The scoring call did not answer within");
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, "deadline", log);

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), Count, maxDuplicates: 0));
        Assert.Equal(0, outcomes.Restarts);
    }

    /// <summary>
    /// A call given up at its deadline took at least that long: the call asked again is waited for three times longer,
    /// not given up at the same deadline while the silo, slow but alive, still scores the first. A process starved of CPU
    /// gave up, and asked again, 47 scoring calls in five minutes and restarted its consumer twice (docs/benchmarks.md).
    /// </summary>
    [Fact]
    public async Task A_call_asked_again_after_its_deadline_is_waited_for_three_times_longer()
    {
        var time = new WaitingClock(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        var client = new ScoringGatewayClient(fixture.Cluster.Client, Microsoft.Extensions.Options.Options.Create(new KafkaIngestOptions { ScoringCallDeadlineFloor = TimeSpan.FromSeconds(1) }),
            time, NullLogger<ScoringGatewayClient>.Instance);
        try
        {
            fixture.Faults.HoldScoring();
            var scoring = client.ScoreAsync([new IngestMessage("m-1", Traffic.TextOf(0), null, null, null, null, null, $"{Traffic.InputTopic}/0/0")], CancellationToken.None);
            Assert.False(await time.WaitingAsync(scoring), "the call ended without waiting");
            time.FireNext();
            Assert.Equal(time.Start + TimeSpan.FromSeconds(1), time.GetUtcNow());
            // Given up at the floor; the retry's backoff (100 ms), then the call asked again and its deadline.
            Assert.False(await time.WaitingAsync(scoring), "the call given up was not asked again");
            time.FireNext();
            Assert.False(await time.WaitingAsync(scoring), "the call asked again ended without waiting");

            var fired = time.Fired;
            time.Advance(TimeSpan.FromSeconds(2.9));
            Assert.Equal(fired, time.Fired);

            fixture.Faults.ReleaseScoring();
            var outcome = Assert.Single(await scoring);
            Assert.NotNull(outcome.Matches);
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
    }

    /// <summary>
    /// Calls in flight together to a slow silo (up to <c>MaxInFlightBatches</c> batches) share one deadline: when it ends,
    /// the first given up raises it, and the others wait on to the raised one, so one call is asked again, not each.
    /// </summary>
    [Fact]
    public async Task Calls_in_flight_when_one_is_given_up_wait_on_to_the_deadline_it_raised()
    {
        const int inFlight = 4;
        var time = new WaitingClock(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        var client = new ScoringGatewayClient(fixture.Cluster.Client, Microsoft.Extensions.Options.Options.Create(new KafkaIngestOptions { ScoringCallDeadlineFloor = TimeSpan.FromSeconds(1) }),
            time, NullLogger<ScoringGatewayClient>.Instance);
        try
        {
            fixture.Faults.HoldScoring();
            var scoring = Task.WhenAll(Enumerable.Range(0, inFlight).Select(i =>
                client.ScoreAsync([new IngestMessage($"m-{i}", Traffic.TextOf(i), null, null, null, null, null, $"{Traffic.InputTopic}/0/{i}")], CancellationToken.None)));
            for (var i = 0; i < inFlight; i++)
            {
                Assert.False(await time.WaitingAsync(scoring), "a call ended without waiting");
            }
            time.FireNext();
            Assert.Equal(time.Start + TimeSpan.FromSeconds(1), time.GetUtcNow());
            // Each waits again: the one given up for the retry's backoff (100 ms), the others for the deadline raised to 3 s.
            for (var i = 0; i < inFlight; i++)
            {
                Assert.False(await time.WaitingAsync(scoring), "a call ended without waiting again");
            }

            var fired = time.Fired;
            time.FireNext();
            Assert.Equal(time.Start + TimeSpan.FromSeconds(1.1), time.GetUtcNow());
            Assert.Equal(fired + 1, time.Fired);

            fixture.Faults.ReleaseScoring();
            Assert.All((await scoring).SelectMany(outcomes => outcomes), outcome => Assert.NotNull(outcome.Matches));
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
    }

    /// <summary>
    /// A stop while batches are in flight (scoring held until the stop began): they finish and are committed before the
    /// consumer leaves, so a successor in the group processes nothing again.
    /// </summary>
    [Fact]
    public async Task A_graceful_stop_drains_and_commits_so_a_successor_publishes_no_duplicates()
    {
        await using var kafka = Traffic.StartKafka();
        await Traffic.ProduceAsync(kafka, 0, Count);
        try
        {
            fixture.Faults.HoldScoring();
            using var first = IngestHosts.Start(fixture.Cluster.Client, kafka, "graceful");
            var log = first.Log();
            var lines = await log.WaitForAsync($"({IngestHosts.MaxInFlightBatches} batches in flight): pausing partitions");
            var stopping = first.StopAsync();
            await log.WaitForAsync($"Kafka ingest stopping: {IngestHosts.MaxInFlightBatches} batches in flight finish first", lines);
            fixture.Faults.ReleaseScoring();
            await stopping;
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        await Traffic.ProduceAsync(kafka, Count, Count);
        using var second = IngestHosts.Start(fixture.Cluster.Client, kafka, "graceful");
        await OutputReader.WaitForAllCommittedAsync(kafka, "graceful", second.Log());

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 2 * Count, maxDuplicates: 0));
    }

    /// <summary>
    /// A second consumer joins while the first has batches in flight (scoring held until the first's partitions were
    /// revoked): the revoke handler lets them finish and commits them before the partitions move, so nothing is
    /// processed twice.
    /// </summary>
    [Fact]
    public async Task A_consumer_joining_mid_stream_gets_partitions_committed_by_the_revoke_handler()
    {
        await using var kafka = Traffic.StartKafka();
        using var first = IngestHosts.Start(fixture.Cluster.Client, kafka, "rebalance", FaultToleranceTests.NextGenerationProtocol);
        var log = first.Log();
        var lines = await log.WaitForAsync("Kafka consumer assigned");
        IHost? second = null;
        try
        {
            fixture.Faults.HoldScoring();
            await Traffic.ProduceAsync(kafka, 0, Count);
            lines = await log.WaitForAsync($"({IngestHosts.MaxInFlightBatches} batches in flight): pausing partitions", lines);
            second = IngestHosts.Start(fixture.Cluster.Client, kafka, "rebalance", FaultToleranceTests.NextGenerationProtocol);
            await log.WaitForAsync("Kafka consumer revoked", lines);
            fixture.Faults.ReleaseScoring();
            await Traffic.ProduceAsync(kafka, Count, Count);
            await OutputReader.WaitForAllCommittedAsync(kafka, "rebalance", log);
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
            second?.Dispose();
        }

        Assert.Equal(0, OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 2 * Count, maxDuplicates: 0));
    }

    /// <summary>
    /// The sequence behind a brokers-down failure seen once under load (FaultToleranceTests): the loop pauses its
    /// partitions (scoring behind: every slot in flight), loses them (the brokers down past the session timeout), stops
    /// pausing before the brokers are back (nothing assigned then), and gets the same partitions assigned again.
    /// librdkafka keeps them paused through all that, so the loop must resume them, or nothing is fetched again.
    /// </summary>
    [Fact]
    public async Task Partitions_lost_while_paused_are_fetched_again_when_assigned_back()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "paused-lost");
        using var outcomes = new OutcomeCounter(ingest);
        var log = ingest.Log();
        try
        {
            fixture.Faults.HoldScoring();
            // Messages that match nobody: their batches finish without the brokers, so the pause can end while they are down.
            await Traffic.ProduceAsync(kafka, 0, Count, i => JsonSerializer.Serialize(new { id = Traffic.Id(i), text = Texts.Unrelated }));
            var lines = await log.WaitForAsync($"({IngestHosts.MaxInFlightBatches} batches in flight): pausing partitions");

            kafka.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
            lines = await log.WaitForAsync("Kafka consumer lost", lines);
            fixture.Faults.ReleaseScoring();
            await log.WaitForAsync("Resumed partitions", lines);
            kafka.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);

            await OutputReader.WaitForAllCommittedAsync(kafka, "paused-lost", log);
        }
        finally
        {
            fixture.Faults.ReleaseScoring();
        }
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.OutputTopic));
        Assert.Equal(0, outcomes.Restarts);
    }
}
