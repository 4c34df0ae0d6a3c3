using System.Diagnostics;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Pipeline;
using Xunit.Abstractions;
// Orleans brings its own ErrorCode into scope.
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// At-least-once under faults: every expected match is published, no other, and duplicates stay within what the
/// consumer had in flight. Each message's outcome is accounted for: the group commits every input offset only after
/// that message's matches (or its dead letter) were acknowledged, and the counters see every message.
/// </summary>
public sealed class FaultToleranceTests(IngestClusterFixture fixture, ITestOutputHelper output) : IClassFixture<IngestClusterFixture>
{
    private const int Half = 150;

    [Fact]
    public async Task No_loss_when_all_brokers_are_down_for_seconds_mid_stream()
    {
        await using var kafka = Traffic.StartKafka(brokers: 3);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "brokers-down");
        using var outcomes = new OutcomeCounter(ingest);
        await Traffic.ProduceAsync(kafka, 0, Half);
        await OutputReader.WaitForSomeOutputAsync(kafka);

        kafka.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        await Task.Delay(TimeSpan.FromSeconds(4));
        kafka.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        await Traffic.ProduceAsync(kafka, Half, Half);

        await OutputReader.WaitForAllCommittedAsync(kafka, "brokers-down", ingest.Log());
        // Brokers down do not restart the consumer: what it committed stays committed, and the producer's retries are idempotent.
        OutputReader.AssertMatches(kafka, 2 * Half, IngestHosts.MaxDuplicatesPerRestart, ingest.Log());
        AssertEveryOutcomeCounted(outcomes, 2 * Half);
    }

    [Fact]
    public async Task No_loss_under_injected_produce_and_fetch_errors()
    {
        await using var kafka = Traffic.StartKafka(brokers: 3);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "injected");
        using var outcomes = new OutcomeCounter(ingest);
        await Traffic.ProduceAsync(kafka, 0, Half);
        await OutputReader.WaitForSomeOutputAsync(kafka);
        try
        {
            kafka.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotEnoughReplicas, ErrorCode.LeaderNotAvailable);
            kafka.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.UnknownTopicOrPart);
            await Traffic.ProduceAsync(kafka, Half, Half);
            await OutputReader.WaitForAllCommittedAsync(kafka, "injected", ingest.Log());
        }
        finally
        {
            kafka.ClearRequestErrors(KafkaApiKey.Produce);
            kafka.ClearRequestErrors(KafkaApiKey.Fetch);
        }

        OutputReader.AssertMatches(kafka, 2 * Half, IngestHosts.MaxDuplicatesPerRestart, ingest.Log());
        AssertEveryOutcomeCounted(outcomes, 2 * Half);
    }

    /// <summary>
    /// Fetches a broker fails with an error librdkafka hands the application and retries itself (here: request timed out)
    /// keep the consumer session: the batches in flight finish and commit, nothing is read twice, and the error is a
    /// warning, once a minute. As a failure, each one restarted the consumer from its committed offsets.
    /// </summary>
    [Fact]
    public async Task Fetch_errors_librdkafka_retries_keep_the_consumer_session_and_repeat_nothing()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "fetch-errors");
        using var outcomes = new OutcomeCounter(ingest);
        await Traffic.ProduceAsync(kafka, 0, Half);
        await OutputReader.WaitForSomeOutputAsync(kafka);
        try
        {
            kafka.PushRequestErrors(KafkaApiKey.Fetch, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut, ErrorCode.RequestTimedOut);
            await Traffic.ProduceAsync(kafka, Half, Half);
            await OutputReader.WaitForAllCommittedAsync(kafka, "fetch-errors", ingest.Log());
        }
        finally
        {
            kafka.ClearRequestErrors(KafkaApiKey.Fetch);
        }

        var duplicates = OutputReader.AssertMatches(kafka, 2 * Half, IngestHosts.MaxDuplicatesPerRestart, ingest.Log());
        Assert.Equal((0L, 0), (outcomes.Restarts, duplicates));
        AssertEveryOutcomeCounted(outcomes, 2 * Half);
        // The ingest is the only client fetching: the errors reached it, and it reported them.
        await ingest.Log().WaitForAsync($"RequestTimedOut: {Traffic.InputTopic} [[");
    }

    /// <summary>
    /// A commit the group rejects because it is rebalancing (the embedded Kafka told to answer every commit so, as it
    /// does itself while its group rebalances) starts no new batch until the partitions were revoked and assigned again:
    /// what was read meanwhile is scored once, after the rebalance, rather than before it and again by the partitions'
    /// next owner (here the same ingest). The condition is a warning once, not one per poll. The ingest, given its
    /// partitions back, resumes past the message it finished whose commit was rejected, rather than scoring it again.
    /// </summary>
    [Fact]
    public async Task A_commit_rejected_while_the_group_rebalances_starts_no_new_batch_until_the_partitions_move()
    {
        const string group = "rebalancing";
        const string otherTopic = "another-topic";
        await using var kafka = Traffic.StartKafka();
        kafka.CreateTopic(otherTopic, 1);
        // In the group before the ingest, so that its leaving is the rebalance the test waits for.
        var member = new GroupMember(kafka, group, otherTopic);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group);
        var log = ingest.Log();
        await Traffic.ProduceAsync(kafka, 0, 1);
        await OutputReader.WaitForAllCommittedAsync(kafka, group, log);
        var lines = log.Count;
        try
        {
            kafka.PushRequestErrors(KafkaApiKey.OffsetCommit, [.. Enumerable.Repeat(ErrorCode.RebalanceInProgress, 100_000)]);
            // Message 1 is scored, and its commit rejected (from the revoke handler too).
            await Traffic.ProduceAsync(kafka, 1, 1);
            await log.WaitForAsync("Committing offsets failed", lines);
            // Read while the group rebalances.
            await Traffic.ProduceAsync(kafka, 2, 3);
            await member.DisposeAsync();
            await log.WaitForAsync("Kafka consumer revoked", lines);
        }
        finally
        {
            kafka.ClearRequestErrors(KafkaApiKey.OffsetCommit);
            await member.DisposeAsync();
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, group, log);

        var matches = OutputReader.ReadMatches(kafka);
        // Message 0 may be scored again before the test's rejections begin: the embedded Kafka may rebalance a second time
        // after the ingest joined, rejecting message 0's commit itself (with its own warning, before the window below).
        var scoredAgain = matches.Where(m => (string)m["messageId"]! != Traffic.Id(0))
            .GroupBy(m => (string)m["messageId"]!).Where(copies => copies.Count() > 1).Select(copies => copies.Key).ToList();
        // From the first rejection (the embedded Kafka may assign the partitions a second time after the ingest joined,
        // before the test's rejections begin) up to the assignment after the rebalance: a commit after it that the
        // injected errors still rejected, the test's thread late to stop them (a loaded machine), is a rejection of its
        // own, not one of this rebalance.
        var warnings = log.Warnings("Committing offsets failed", log.IndexOf("Committing offsets failed", lines), until: "Kafka consumer assigned");
        output.WriteLine($"Scored again: {string.Join(", ", scoredAgain)}; {warnings} warnings\n{log.Tail()}");
        // Message 0 only, above: message 1's partition resumed past it when it was assigned again.
        OutputReader.AssertMatches(matches, 5, maxDuplicates: 1);
        Assert.Empty(scoredAgain);
        Assert.True(log.IndexOf("Kafka consumer resumes", lines) < log.Count, log.Tail());
        Assert.Equal(1, warnings);
    }

    [Fact]
    public async Task No_loss_when_the_ingest_process_is_killed_with_sigkill_and_restarted()
    {
        using var silo = await SiloProcess.StartAsync("ingest-silo");
        await Traffic.PutInterestsAsync(silo.Http);
        await using var kafka = Traffic.StartKafka();
        await Traffic.ProduceAsync(kafka, 0, Half);
        using (var first = IngestHosts.StartProcess(silo, kafka, "killed"))
        {
            var published = await OutputReader.TryWaitForSomeOutputAsync(kafka);
            first.Kill();
            Assert.True(published, $"The ingest process published nothing: {await first.StandardErrorAsync()}");
        }
        await Traffic.ProduceAsync(kafka, Half, Half);
        using var second = IngestHosts.StartProcess(silo, kafka, "killed");
        await OutputReader.WaitForAllCommittedAsync(kafka, "killed");

        var duplicates = OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 2 * Half, IngestHosts.MaxDuplicatesPerRestart);
        // Dead letters are the third possible outcome; this stream has none, so matched + no match cover every message.
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.DoesNotContain("Unhandled exception", await second.StandardErrorAsync());
        Assert.InRange(duplicates, 0, IngestHosts.MaxDuplicatesPerRestart);
    }

    /// <summary>
    /// With the pipeline's own consumer settings, as deployed (not the tests' short session): the dead consumer's
    /// partitions move to its replacement when its session expires (<see cref="IngestConsumerConfig"/>), and nothing is
    /// lost. The time from the kill to every message committed, the replacement's start included, is written to the
    /// test's output; what bounds it is the session the configuration test checks.
    /// </summary>
    [Fact]
    public async Task A_sigkilled_ingest_is_replaced_with_the_pipelines_own_session_and_nothing_is_lost()
    {
        using var silo = await SiloProcess.StartAsync("resume-silo");
        await Traffic.PutInterestsAsync(silo.Http);
        await using var kafka = Traffic.StartKafka();
        await Traffic.ProduceAsync(kafka, 0, Half);
        Stopwatch killed;
        using (var first = IngestHosts.StartProcess(silo, kafka, "resume", testSessions: false))
        {
            var published = await OutputReader.TryWaitForSomeOutputAsync(kafka);
            first.Kill();
            killed = Stopwatch.StartNew();
            Assert.True(published, $"The ingest process published nothing: {await first.StandardErrorAsync()}");
        }
        using var second = IngestHosts.StartProcess(silo, kafka, "resume", testSessions: false);
        await Traffic.ProduceAsync(kafka, Half, Half);
        await OutputReader.WaitForAllCommittedAsync(kafka, "resume");
        var resumed = killed.Elapsed;
        output.WriteLine($"Every message committed {resumed.TotalSeconds:F1} s after the kill");

        var duplicates = OutputReader.AssertMatches(OutputReader.ReadMatches(kafka), 2 * Half, IngestHosts.MaxDuplicatesPerRestart);
        output.WriteLine($"{duplicates} duplicate matches");
    }

    /// <summary>Tests dispose their hosts without stopping them: each used to leave its consume loop running.</summary>
    [Fact]
    public async Task A_host_disposed_without_a_stop_ends_its_consume_loop()
    {
        await using var kafka = Traffic.StartKafka();
        var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "disposed");
        var log = ingest.Log();
        await Traffic.ProduceAsync(kafka, 0, Half);
        await OutputReader.WaitForAllCommittedAsync(kafka, "disposed", log);

        var lines = log.Count;
        ingest.Dispose();
        await log.WaitForAsync("Kafka ingest stopped", lines);
    }

    /// <summary>
    /// KIP-848 rebalances: the mock rejects every commit of a classic group while it rebalances (REBALANCE_IN_PROGRESS),
    /// even from the revoke handler, which a real broker accepts from the current generation.
    /// </summary>
    internal static void NextGenerationProtocol(Ingest.Options.KafkaIngestOptions options)
    {
        options.Consumer.Remove("session.timeout.ms");
        options.Consumer.Remove("heartbeat.interval.ms");
        options.Consumer["group.protocol"] = "consumer";
    }

    /// <summary>Every message was counted (more than once only when processed again), and only as matched or not.</summary>
    internal static void AssertEveryOutcomeCounted(OutcomeCounter outcomes, int count)
    {
        var expectedMatched = Traffic.ExpectedMatches(count).Count;
        Assert.InRange(outcomes[IngestInstruments.Matched], expectedMatched, expectedMatched + IngestHosts.MaxDuplicatesPerRestart);
        Assert.InRange(outcomes[IngestInstruments.NoMatch], count - expectedMatched, count - expectedMatched + IngestHosts.MaxDuplicatesPerRestart);
        Assert.Equal(0, outcomes[IngestInstruments.DeadLettered]);
    }
}
