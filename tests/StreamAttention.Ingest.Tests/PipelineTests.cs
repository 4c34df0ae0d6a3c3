using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Embeddings;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;
using StreamAttention.Ingest.Publishing;
// Orleans brings its own ErrorCode into scope.
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.Tests;

/// <summary>The pipeline end to end on the embedded Kafka and two real silos: matches, formats, dead letters.</summary>
public sealed class PipelineTests(IngestClusterFixture fixture) : IClassFixture<IngestClusterFixture>
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Publishes_exactly_the_expected_matches_keyed_by_user_with_trace_context_read_by_kcat()
    {
        using var tracing = ListenToIngestActivities();
        await using var kafka = Traffic.StartKafka();
        const int count = 30;
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "e2e");
        using var outcomes = new OutcomeCounter(ingest);

        await Traffic.ProduceAsync(kafka, 0, count);
        await OutputReader.WaitForAllCommittedAsync(kafka, "e2e");

        // Debian's kcat, an independent client: key, headers and value of every match.
        var (exitCode, output, errors) = await ChildProcess.RunAsync(ProcessTimeout, "kcat", "-b", kafka.BootstrapServers,
            "-C", "-t", Traffic.OutputTopic, "-o", "beginning", "-e", "-q", "-f", "%k\t%h\t%s\n");
        Assert.True(exitCode == 0, errors);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split('\t')).ToArray();
        var matches = lines.Select(line => JsonNode.Parse(line[2])!.AsObject()).ToList();
        Assert.Equal(0, OutputReader.AssertMatches(matches, count, maxDuplicates: 0));
        foreach (var line in lines)
        {
            var match = JsonNode.Parse(line[2])!;
            Assert.Equal((string)match["userId"]!, line[0]);
            Assert.Matches("traceparent=00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]", line[1]);
            Assert.Contains($"{OutputSchema.Header}={OutputSchema.Match}", line[1], StringComparison.Ordinal);
            Assert.Equal(Traffic.InterestId, (string)match["interestId"]!);
            var index = int.Parse(((string)match["messageId"]!)["m-".Length..]);
            Assert.Equal(Traffic.TextOf(index), (string)match["text"]!);
            Assert.Equal(Traffic.InputTopic, (string)match["source"]!["topic"]!);
            Assert.InRange((int)match["source"]!["partition"]!, 0, Traffic.Partitions - 1);
            Assert.True((double)match["score"]! > 0);
            Assert.NotEmpty(match["highlights"]!.AsArray());
        }
        Assert.Equal(20, outcomes[IngestInstruments.Matched]);
        Assert.Equal(10, outcomes[IngestInstruments.NoMatch]);
        Assert.Equal(0, outcomes[IngestInstruments.DeadLettered]);
        Assert.Equal(20, outcomes.LatencyRecords);
    }

    [Fact]
    public async Task Scopes_by_user_and_tenant_and_copies_timestamp_and_attributes()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "scoped");
        await ProduceAsync(kafka,
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "for-db", text = Texts.DatabaseMessage, user = Traffic.DatabaseUser, timestamp = "2026-11-25T10:00:00Z", attributes = new { source = "pager" } })),
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "for-racing", text = Texts.DatabaseMessage, user = Traffic.RacingUser })),
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "other-tenant", text = Texts.DatabaseMessage, user = Traffic.DatabaseUser, tenant = "acme" })));
        await OutputReader.WaitForAllCommittedAsync(kafka, "scoped");

        var match = Assert.Single(OutputReader.ReadMatches(kafka));
        Assert.Equal("for-db", (string)match["messageId"]!);
        Assert.Equal("2026-11-25T10:00:00Z", (string)match["timestamp"]!);
        Assert.Equal("pager", (string)match["attributes"]!["source"]!);
    }

    [Fact]
    public async Task A_message_longer_than_its_scoring_windows_is_published_marked_truncated()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "long");
        await ProduceAsync(kafka,
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "long", text = Texts.DatabaseMessageBeyondWindows })),
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "short", text = Texts.DatabaseMessage })));
        await OutputReader.WaitForAllCommittedAsync(kafka, "long");

        var matches = OutputReader.ReadMatches(kafka).ToDictionary(m => (string)m["messageId"]!);
        Assert.Equal(["long", "short"], matches.Keys.Order());
        Assert.True((bool)matches["long"]["truncated"]!);
        Assert.False(matches["short"].ContainsKey("truncated"));
    }

    [Fact]
    public async Task Dead_letters_bad_input_with_its_reason_and_scores_the_good_messages_around_it()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "bad-input", options => options.MaxMessageBytes = 1024);
        using var outcomes = new OutcomeCounter(ingest);
        (byte[]? Value, string Reason)[] bad =
        [
            (Encoding.UTF8.GetBytes("{\"id\": \"m-1\", \"text\": "), DeadLetterReasons.MalformedJson),
            (Encoding.UTF8.GetBytes("[\"not\", \"an\", \"object\"]"), DeadLetterReasons.MalformedJson),
            (Encoding.UTF8.GetBytes("{\"id\": \"m-2\"}"), DeadLetterReasons.MissingText),
            (Encoding.UTF8.GetBytes("{\"id\": \"m-3\", \"text\": \"   \"}"), DeadLetterReasons.MissingText),
            (null, DeadLetterReasons.MissingText),
            (Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "m-4", text = string.Join(' ', Enumerable.Repeat(Texts.DatabaseMessage, 40)) })), DeadLetterReasons.Oversize),
            ([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}'], DeadLetterReasons.InvalidUtf8),
            (Encoding.UTF8.GetBytes("{\"id\": \"m-5\", \"text\": 42}"), DeadLetterReasons.InvalidField),
            // A user field naming another tenant's user ("tenant/user") is refused whatever the tenant.
            (Encoding.UTF8.GetBytes("{\"id\": \"m-6\", \"text\": \"x\", \"user\": \"acme/bob\"}"), DeadLetterReasons.InvalidField),
            // Escaped UTF-16 surrogates without their pair: valid JSON, but no string; in attributes the message would
            // decode, match, and fail its batch when its match is published.
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-7\", \"text\": \"{Texts.DatabaseMessage} \\ud800\"}}"), DeadLetterReasons.InvalidField),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-8\", \"text\": \"{Texts.DatabaseMessage}\", \"attributes\": {{\"k\": [\"\\ud800\"]}}}}"), DeadLetterReasons.InvalidField),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-9\", \"text\": \"{Texts.DatabaseMessage}\", \"attributes\": {{\"\\udc00\": \"v\"}}}}"), DeadLetterReasons.InvalidField),
            // A property given twice: which one counts would be a guess (the last one did).
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-10\", \"text\": \"{Texts.DatabaseMessage}\", \"text\": \"cooking recipes\"}}"), DeadLetterReasons.MalformedJson),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-11\", \"text\": \"{Texts.DatabaseMessage}\", \"k\\u202e\": 1, \"k\\u202e\": 2}}"), DeadLetterReasons.MalformedJson),
            // A user or tenant no HTTP route could name, and a timestamp that is no time; the details quoting them are escaped.
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-12\", \"text\": \"{Texts.DatabaseMessage}\", \"user\": \"al\\u0000ice\"}}"), DeadLetterReasons.InvalidField),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-13\", \"text\": \"{Texts.DatabaseMessage}\", \"tenant\": \"ac\\u202eme\\u0000\"}}"), DeadLetterReasons.UnknownTenant),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-14\", \"text\": \"{Texts.DatabaseMessage}\", \"timestamp\": \"not a date \\u0000\"}}"), DeadLetterReasons.InvalidField),
            (Encoding.UTF8.GetBytes($"{{\"id\": \"m-15\", \"text\": \"{Texts.DatabaseMessage}\", \"timestamp\": 1e999999}}"), DeadLetterReasons.InvalidField),
        ];
        // Good messages 0, 3, 6, … (all about databases) before, between and after the bad ones, all on one partition.
        var values = new List<byte[]?>();
        var good = 0;
        foreach (var (value, _) in bad)
        {
            values.Add(Encoding.UTF8.GetBytes(Traffic.Json(3 * good++)));
            values.Add(value);
        }
        values.Add(Encoding.UTF8.GetBytes(Traffic.Json(3 * good++)));
        await ProduceAsync(kafka, [.. values]);
        await OutputReader.WaitForAllCommittedAsync(kafka, "bad-input");

        Assert.Equal(Enumerable.Range(0, good).Select(i => Traffic.Id(3 * i)).Order(), OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!).Order());
        var letters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).OrderBy(r => long.Parse(OutputReader.Header(r, DeadLetterHeaders.SourceOffset))).ToList();
        Assert.Equal(bad.Select(b => b.Reason), letters.Select(r => OutputReader.Header(r, DeadLetterHeaders.Error)));
        for (var i = 0; i < bad.Length; i++)
        {
            Assert.Equal(bad[i].Value ?? [], letters[i].Message.Value ?? []);
            Assert.Equal("test", OutputReader.Header(letters[i], "origin"));
            Assert.Equal(OutputSchema.DeadLetter, OutputReader.Header(letters[i], OutputSchema.Header));
            Assert.Equal(Traffic.InputTopic, OutputReader.Header(letters[i], DeadLetterHeaders.SourceTopic));
            Assert.Equal((2 * i + 1).ToString(), OutputReader.Header(letters[i], DeadLetterHeaders.SourceOffset));
            Assert.Equal($"{Traffic.InputTopic}/{OutputReader.Header(letters[i], DeadLetterHeaders.SourcePartition)}/{2 * i + 1}", OutputReader.Header(letters[i], DeadLetterHeaders.Origin));
            Assert.Matches(@"^[^\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]+$", OutputReader.Header(letters[i], DeadLetterHeaders.ErrorDetail));
        }
        Assert.Equal(good, outcomes[IngestInstruments.Matched]);
        foreach (var reason in bad.GroupBy(b => b.Reason))
        {
            Assert.Equal(reason.Count(), outcomes[$"{IngestInstruments.DeadLettered}:{reason.Key}"]);
            Assert.Equal(reason.Count(), outcomes.DeadLetters(reason.Key));
        }
        Assert.Equal(values.Count, outcomes.Total);
    }

    [Fact]
    public async Task An_input_topic_that_does_not_exist_leaves_the_others_read_without_a_restart()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "missing-topic", options => options.InputTopics = [Traffic.InputTopic, "no-such-topic"]);
        using var outcomes = new OutcomeCounter(ingest);

        await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Traffic.Json(0)), Encoding.UTF8.GetBytes(Traffic.Json(3)));
        await OutputReader.WaitForAllCommittedAsync(kafka, "missing-topic");

        Assert.Equal([Traffic.Id(0), Traffic.Id(3)], OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!).Order());
        Assert.Equal(0, outcomes.Restarts);
    }

    [Fact]
    public async Task A_message_larger_than_what_the_consumer_takes_of_a_partition_per_fetch_is_read_and_scored()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "large-record", options => options.MaxMessageBytes = 4 * IngestConsumerConfig.MaxPartitionFetchBytes);
        using var outcomes = new OutcomeCounter(ingest);
        // Twice max.partition.fetch.bytes: a fetch returns a partition's first record batch whole, whatever its size.
        var large = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { id = "large", text = Traffic.TextOf(0), padding = new string('x', 2 * IngestConsumerConfig.MaxPartitionFetchBytes) }));

        await ProduceAsync(kafka, large, Encoding.UTF8.GetBytes(Traffic.Json(3)));
        await OutputReader.WaitForAllCommittedAsync(kafka, "large-record");

        Assert.Equal(["large", Traffic.Id(3)], OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!).Order());
        Assert.Equal((0, 0), (OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).Count(), outcomes.Restarts));
    }

    [Fact]
    public async Task A_bad_message_too_large_for_the_producer_is_dead_lettered_with_the_part_that_fits_and_is_never_replayed()
    {
        await using var kafka = Traffic.StartKafka();
        // The producer sends at most 20,000 bytes a record; the message is 30,000 (under MaxMessageBytes, so it is decoded).
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "too-large", options => options.Producer["message.max.bytes"] = "20000");
        using var outcomes = new OutcomeCounter(ingest);
        var tooLarge = Encoding.UTF8.GetBytes("{\"id\": \"big\", \"text\": \"" + new string('x', 30_000));

        await ProduceAsync(kafka, tooLarge, Encoding.UTF8.GetBytes(Traffic.Json(0)));
        await OutputReader.WaitForAllCommittedAsync(kafka, "too-large");

        Assert.Equal([Traffic.Id(0)], OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!));
        var letter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal((DeadLetterReasons.MalformedJson, tooLarge.Length.ToString()), (OutputReader.Header(letter, DeadLetterHeaders.Error), OutputReader.Header(letter, DeadLetterHeaders.ValueTruncatedFrom)));
        Assert.InRange(letter.Message.Value.Length, 1, 20_000 - IngestOutputOptions.RecordOverheadBytes);
        Assert.Equal(tooLarge[..letter.Message.Value.Length], letter.Message.Value);
        Assert.Equal(0, outcomes.Restarts);

        var replayed = await new Replay.DeadLetterReplayer(Microsoft.Extensions.Options.Options.Create(new DeadLetterReplayOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            DeadLetterTopic = Traffic.DeadLetterTopic,
            Reasons = [DeadLetterReasons.MalformedJson],
        }), Microsoft.Extensions.Logging.Abstractions.NullLogger<Replay.DeadLetterReplayer>.Instance).ReplayAsync(CancellationToken.None);
        Assert.Equal((1, 0, 1), (replayed.Read, replayed.Replayed, replayed.PassedOver));
    }

    /// <summary>
    /// Messages the broker removed before the ingest read them (here the log's start moved past the committed offset, as
    /// retention moves it) were skipped with a warning of librdkafka's alone: now an error names them, a dead letter
    /// records them, a counter counts them, and the stream goes on from the log's start. A new group starting there
    /// lost nothing.
    /// </summary>
    [Fact]
    public async Task Offsets_removed_before_they_were_read_are_logged_counted_and_dead_lettered_and_the_stream_goes_on()
    {
        await using var kafka = Traffic.StartKafka();
        using (var first = IngestHosts.Start(fixture.Cluster.Client, kafka, "offsets-lost"))
        {
            await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Traffic.Json(0)), Encoding.UTF8.GetBytes(Traffic.Json(3)));
            await OutputReader.WaitForAllCommittedAsync(kafka, "offsets-lost");
            await first.StopAsync();
        }
        // Offsets 2–6; each produced alone, so the broker removes 2–4 exactly.
        await ProduceAsync(kafka, [.. Enumerable.Range(2, 5).Select(i => Encoding.UTF8.GetBytes(Traffic.Json(3 * i)))]);
        kafka.DeleteRecords(Traffic.InputTopic, 0, 5);

        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "offsets-lost");
        using var outcomes = new OutcomeCounter(ingest);
        await OutputReader.WaitForAllCommittedAsync(kafka, "offsets-lost", ingest.Log());

        Assert.Equal(new[] { Traffic.Id(0), Traffic.Id(3), Traffic.Id(15), Traffic.Id(18) }.Order(), OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!).Order());
        var letter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal((OutputSchema.DeadLetter, DeadLetterReasons.OffsetsLost, Traffic.InputTopic, "0", "2", "4"),
            (OutputReader.Header(letter, OutputSchema.Header), OutputReader.Header(letter, DeadLetterHeaders.Error), OutputReader.Header(letter, DeadLetterHeaders.SourceTopic), OutputReader.Header(letter, DeadLetterHeaders.SourcePartition),
             OutputReader.Header(letter, DeadLetterHeaders.LostFirstOffset), OutputReader.Header(letter, DeadLetterHeaders.LostLastOffset)));
        Assert.Empty(letter.Message.Value ?? []);
        Assert.Equal((3, 1, 2, 0), (outcomes.MessagesLost, outcomes.DeadLetters(DeadLetterReasons.OffsetsLost), outcomes[IngestInstruments.Matched], outcomes.Restarts));
        Assert.Equal(new Dictionary<string, long> { [$"{Traffic.InputTopic}/0"] = 3 }, outcomes.MessagesLostByPartition);
        await ingest.Log().WaitForAsync($"Offsets 2 to 4 of {Traffic.InputTopic} [0] (3) were removed by the broker before the ingest read them");

        // A record of messages that are gone: a replay passes it over rather than produce an empty message.
        var replayed = await new Replay.DeadLetterReplayer(Microsoft.Extensions.Options.Options.Create(new DeadLetterReplayOptions
        {
            BootstrapServers = kafka.BootstrapServers,
            DeadLetterTopic = Traffic.DeadLetterTopic,
        }), Microsoft.Extensions.Logging.Abstractions.NullLogger<Replay.DeadLetterReplayer>.Instance).ReplayAsync(CancellationToken.None);
        Assert.Equal((1, 0, 1), (replayed.Read, replayed.Replayed, replayed.PassedOver));

        using var newGroup = IngestHosts.Start(fixture.Cluster.Client, kafka, "offsets-lost-new-group");
        using var newGroupOutcomes = new OutcomeCounter(newGroup);
        await OutputReader.WaitForAllCommittedAsync(kafka, "offsets-lost-new-group", newGroup.Log());
        Assert.Equal((0, 2), (newGroupOutcomes.MessagesLost, newGroupOutcomes[IngestInstruments.Matched]));
        Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
    }

    /// <summary>
    /// Messages the ingest processed but whose commit never reached the group (every commit failing here, as the embedded
    /// Kafka fails them while its group rebalances), then removed by retention, were read: they are not lost. The
    /// partition assigned again after a rebalance resumes at the log's start, past the group's stale offset, and that
    /// gap was reported as removed before it was read (an error, an offsets-lost dead letter, the counter).
    /// </summary>
    [Fact]
    public async Task Offsets_processed_but_not_committed_and_then_removed_are_not_reported_lost_after_a_rebalance()
    {
        const string group = "processed-uncommitted";
        const string otherTopic = "another-topic";
        await using var kafka = Traffic.StartKafka();
        kafka.CreateTopic(otherTopic, 1);
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, group);
        using var outcomes = new OutcomeCounter(ingest);
        var log = ingest.Log();
        await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Traffic.Json(0)));
        await OutputReader.WaitForAllCommittedAsync(kafka, group, log);
        GroupMember? member = null;
        try
        {
            // From here every commit fails (one error per commit request; the loop offers one per poll): the group stays at 1.
            kafka.PushRequestErrors(KafkaApiKey.OffsetCommit, [.. Enumerable.Repeat(ErrorCode.OffsetMetadataTooLarge, 100_000)]);
            await ProduceAsync(kafka, [.. Enumerable.Range(1, 3).Select(i => Encoding.UTF8.GetBytes(Traffic.Json(3 * i)))]);
            await OutputReader.WaitForSomeOutputAsync(kafka, records: 4);
            // Retention removes offsets 0–3, every one of them processed.
            kafka.DeleteRecords(Traffic.InputTopic, 0, 4);

            // A member joining the group for another topic: the group rebalances and assigns the ingest its partitions again.
            var lines = log.Count;
            member = new GroupMember(kafka, group, otherTopic);
            await log.WaitForAsync("Kafka consumer assigned", lines);
            await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Traffic.Json(12)));
            await OutputReader.WaitForSomeOutputAsync(kafka, records: 5);
        }
        finally
        {
            kafka.ClearRequestErrors(KafkaApiKey.OffsetCommit);
            if (member is not null)
            {
                await member.DisposeAsync();
            }
        }
        await OutputReader.WaitForAllCommittedAsync(kafka, group, log);

        Assert.Equal(new[] { 0, 3, 6, 9, 12 }.Select(Traffic.Id).Order(), OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!).Distinct().Order());
        Assert.Equal((0L, 0L, 0), (outcomes.MessagesLost, outcomes.DeadLetters(DeadLetterReasons.OffsetsLost), OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).Count));
    }

    [Fact]
    public async Task A_bad_message_whose_key_and_headers_alone_are_too_large_for_the_producer_is_dead_lettered_cut_keeping_its_trace_context_without_a_restart()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "key-too-large", options => options.Producer["message.max.bytes"] = "20000");
        using var outcomes = new OutcomeCounter(ingest);
        var key = Enumerable.Range(0, 25_000).Select(i => (byte)('a' + i % 26)).ToArray();
        var traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build())
        {
            await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0), new Message<byte[]?, byte[]?>
            {
                Key = key,
                Value = "not json"u8.ToArray(),
                Headers = [new Header("trace-blob", new byte[25_000]), new Header(IngestTracing.TraceParentHeader, traceparent)],
            }).WaitAsync(KafkaClients.Deadline);
        }
        await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Traffic.Json(0)));
        await OutputReader.WaitForAllCommittedAsync(kafka, "key-too-large");

        Assert.Equal([Traffic.Id(0)], OutputReader.ReadMatches(kafka).Select(m => (string)m["messageId"]!));
        var letter = Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic));
        Assert.Equal((DeadLetterReasons.MalformedJson, "1", "25000"),
            (OutputReader.Header(letter, DeadLetterHeaders.Error), OutputReader.Header(letter, DeadLetterHeaders.HeadersDropped), OutputReader.Header(letter, DeadLetterHeaders.KeyTruncatedFrom)));
        Assert.Equal(key[..letter.Message.Key.Length], letter.Message.Key);
        // The message's trace context outlives the cut: an operator can still follow the dead letter to its trace.
        Assert.Equal(traceparent, letter.Message.Headers.GetLastBytes(IngestTracing.TraceParentHeader));
        Assert.Empty(letter.Message.Value);
        Assert.Equal(0, outcomes.Restarts);
    }

    [Fact]
    public async Task Scores_pre_embedded_vectors_and_dead_letters_bad_ones()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "vectors", options => options.Format = InputFormat.Vectors);
        using var outcomes = new OutcomeCounter(ingest);
        var embedder = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<ITextEmbedder>();
        var batch = embedder.Embed([Texts.DatabaseMessage, Texts.Unrelated]);
        object Vectors(int text) => Enumerable.Range(0, batch.TokenCount(text)).Select(t => batch.TokenVector(text, t).ToArray()).ToArray();
        (string Json, string? Reason)[] messages =
        [
            (JsonSerializer.Serialize(new { id = "db", vectors = Vectors(0), tokens = batch.TokenTexts[0] }), null),
            (JsonSerializer.Serialize(new { id = "unrelated", text = Texts.Unrelated, vectors = Vectors(1) }), null),
            (JsonSerializer.Serialize(new { id = "short", vectors = new[] { new[] { 1f, 0f, 0f } } }), DeadLetterReasons.WrongDimension),
            (JsonSerializer.Serialize(new { id = "nan", vectors = new[] { Enumerable.Repeat<object>("NaN", embedder.Dimension) } }), DeadLetterReasons.InvalidVector),
            ("{\"id\": \"inf\", \"vectors\": [[" + string.Join(',', Enumerable.Repeat("1e39", embedder.Dimension)) + "]]}", DeadLetterReasons.InvalidVector),
            (JsonSerializer.Serialize(new { id = "zero", vectors = new[] { new float[embedder.Dimension] } }), DeadLetterReasons.InvalidVector),
            (JsonSerializer.Serialize(new { id = "none", text = Texts.DatabaseMessage }), DeadLetterReasons.InvalidVector),
            (JsonSerializer.Serialize(new { id = "tokens", vectors = Vectors(0), tokens = new[] { "one" } }), DeadLetterReasons.InvalidField),
        ];
        await ProduceAsync(kafka, messages.Select(m => (byte[]?)Encoding.UTF8.GetBytes(m.Json)).ToArray());
        await OutputReader.WaitForAllCommittedAsync(kafka, "vectors");

        var match = Assert.Single(OutputReader.ReadMatches(kafka));
        Assert.Equal(("db", Traffic.DatabaseUser), ((string)match["messageId"]!, (string)match["userId"]!));
        var expectedScore = (await fixture.Cluster.Client.GetGrain<Contracts.Grains.IScoringGatewayGrain>(0).Score([Texts.DatabaseMessage], Traffic.DatabaseUser)).Single().Score;
        Assert.Equal(expectedScore, (float)match["score"]!, 3);
        Assert.Equal(string.Join(' ', batch.TokenTexts[0]), (string)match["text"]!);
        var letters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic);
        Assert.Equal(messages.Where(m => m.Reason is not null).Select(m => m.Reason).Order(), letters.Select(r => OutputReader.Header(r, DeadLetterHeaders.Error)).Order());
        Assert.Equal(1, outcomes[IngestInstruments.Matched]);
        Assert.Equal(1, outcomes[IngestInstruments.NoMatch]);
    }

    [Fact]
    public async Task Plain_text_messages_are_identified_by_their_position()
    {
        await using var kafka = Traffic.StartKafka();
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "text", options => options.Format = InputFormat.Text);
        await ProduceAsync(kafka, Encoding.UTF8.GetBytes(Texts.Unrelated), Encoding.UTF8.GetBytes(Texts.RacingMessage), []);
        await OutputReader.WaitForAllCommittedAsync(kafka, "text");

        var match = Assert.Single(OutputReader.ReadMatches(kafka));
        Assert.Equal(($"{Traffic.InputTopic}/0/1", Traffic.RacingUser), ((string)match["messageId"]!, (string)match["userId"]!));
        Assert.Equal(DeadLetterReasons.MissingText, OutputReader.Header(Assert.Single(OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic)), DeadLetterHeaders.Error));
    }

    /// <summary>In order to partition 0, each with a header the dead letters must keep.</summary>
    [Fact]
    public async Task A_producer_queue_smaller_than_a_batch_waits_for_room_and_loses_nothing()
    {
        await using var kafka = Traffic.StartKafka();
        const int count = 60;
        // librdkafka's local queue holds 2 messages: every batch publishes more, so its produce calls find it full.
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "queue-full", options => options.Producer["queue.buffering.max.messages"] = "2");
        using var outcomes = new OutcomeCounter(ingest);

        await Traffic.ProduceAsync(kafka, 0, count);
        await OutputReader.WaitForAllCommittedAsync(kafka, "queue-full");

        var matches = OutputReader.ReadMatches(kafka);
        Assert.Equal(0, OutputReader.AssertMatches(matches, count, maxDuplicates: 0));
        // One record a match: the match-record counter says what the topic carries.
        Assert.Equal(matches.Count, outcomes.MatchRecords);
        Assert.Equal(0, outcomes.Restarts);
    }

    [Fact]
    public async Task Per_user_batch_records_hold_every_match_keyed_by_user_in_order_under_the_byte_limit_and_notifications_stay_one_per_match()
    {
        using var tracing = ListenToIngestActivities();
        await using var kafka = Traffic.StartKafka();
        const int count = 60;
        // Room for a few matches per record: a user's matches of a batch (up to 16 messages) are split.
        const int maxRecordBytes = 1024;
        using var ingest = IngestHosts.Start(fixture.Cluster.Client, kafka, "user-records", options =>
        {
            options.Output.MatchRecords = MatchRecordLayout.PerUserBatch;
            options.Output.MaxRecordBytes = maxRecordBytes;
        });
        using var outcomes = new OutcomeCounter(ingest);

        await Traffic.ProduceAsync(kafka, 0, count);
        await OutputReader.WaitForAllCommittedAsync(kafka, "user-records");

        var records = OutputReader.ReadAll(kafka, Traffic.OutputTopic);
        var matches = new List<JsonObject>();
        foreach (var record in records)
        {
            Assert.InRange(record.Message.Value.Length, 1, maxRecordBytes);
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", OutputReader.Header(record, "traceparent"));
            Assert.Equal(OutputSchema.UserMatches, OutputReader.Header(record, OutputSchema.Header));
            var recordMatches = UserBatchRecordsTests.Flatten(record.Message.Value).ToList();
            Assert.All(recordMatches, match => Assert.Equal(Encoding.UTF8.GetString(record.Message.Key), (string)match["userId"]!));
            matches.AddRange(recordMatches);
        }
        Assert.Equal(0, OutputReader.AssertMatches(matches, count, maxDuplicates: 0));
        Assert.True(records.Count < matches.Count, $"{records.Count} records for {matches.Count} matches");
        Assert.Equal(records.Count, outcomes.MatchRecords);
        // A user's matches from one input partition are in read order, within and across its records.
        foreach (var stream in matches.GroupBy(m => ((string)m["userId"]!, (int)m["source"]!["partition"]!)))
        {
            var offsets = stream.Select(m => (long)m["source"]!["offset"]!).ToList();
            Assert.Equal(offsets.Order(), offsets);
        }
        Assert.All(matches, match => Assert.Equal(Traffic.TextOf(int.Parse(((string)match["messageId"]!)["m-".Length..])), (string)match["text"]!));
        // Notifications: still one record per immediate match, the match's own value.
        var notificationRecords = OutputReader.ReadAll(kafka, Traffic.NotificationTopic);
        Assert.All(notificationRecords, r => Assert.Equal(OutputSchema.Match, OutputReader.Header(r, OutputSchema.Header)));
        var notifications = notificationRecords.Select(r => JsonNode.Parse(r.Message.Value)!.AsObject()).ToList();
        Assert.Equal(matches.Where(m => (string?)m["delivery"] == Contracts.Users.DeliveryKinds.Immediate).Select(m => (string)m["matchId"]!).Order(),
            notifications.Select(n => (string)n["matchId"]!).Order());
        Assert.All(notifications, n => Assert.True(JsonNode.DeepEquals(matches.Single(m => (string?)m["matchId"] == (string?)n["matchId"]), n)));
        Assert.Equal(count - count / 3, outcomes[IngestInstruments.Matched]);
        Assert.Equal(0, outcomes.Restarts);
    }

    private static async Task ProduceAsync(EmbeddedKafkaCluster kafka, params byte[]?[] values)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(KafkaClients.Producer(kafka)).Build();
        foreach (var value in values)
        {
            await producer.ProduceAsync(new TopicPartition(Traffic.InputTopic, 0),
                new Message<byte[]?, byte[]?> { Key = null, Value = value, Headers = [new Header("origin", "test"u8.ToArray())] }).WaitAsync(KafkaClients.Deadline);
        }
    }

    /// <summary>Records every activity of the ingest's source; <paramref name="stopped"/> is told of each as it ends.</summary>
    internal static ActivityListener ListenToIngestActivities(Action<Activity>? stopped = null)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == InstrumentNames.IngestActivitySource,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
