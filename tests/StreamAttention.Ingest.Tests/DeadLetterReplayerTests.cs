using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Hosting;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Ingest.Replay;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Dead letters produced back to their source topic: the chosen reasons (and user) only, as the original message with
/// the user and origin headers kept, each once across runs of a filter (its group's commits), and a later dead letter in
/// the next run; each replay counted in a header, up to a limit.
/// </summary>
public sealed class DeadLetterReplayerTests
{
    private const string CustomHeader = "x-origin";

    [Fact]
    public async Task The_chosen_reasons_are_replayed_once_as_their_original_messages_and_a_later_one_in_the_next_run()
    {
        await using var kafka = Traffic.StartKafka();
        await ProduceDeadLettersAsync(kafka,
            ("m-1", DeadLetterReasons.DecisionFailed, "alice"),
            ("m-2", DeadLetterReasons.MalformedJson, null),
            ("m-3", DeadLetterReasons.DecisionFailed, "bob"),
            ("m-4", DeadLetterReasons.ScoringFailed, null));
        var replay = new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed, DeadLetterReasons.ScoringFailed] };

        var first = await ReplayAsync(kafka, replay);

        Assert.Equal((4, 3, 1), (first.Read, first.Replayed, first.PassedOver));
        Assert.Equal(2, first.ReplayedByReason[DeadLetterReasons.DecisionFailed]);
        var replayed = OutputReader.ReadAll(kafka, Traffic.InputTopic).OrderBy(r => Encoding.UTF8.GetString(r.Message.Value), StringComparer.Ordinal).ToArray();
        Assert.Equal(["m-1", "m-3", "m-4"], replayed.Select(r => Encoding.UTF8.GetString(r.Message.Value)));
        Assert.Equal(["key-m-1", "key-m-3", "key-m-4"], replayed.Select(r => Encoding.UTF8.GetString(r.Message.Key)));
        Assert.All(replayed, r => Assert.Equal(
            [CustomHeader, .. r.Message.Headers.Any(h => h.Key == DeadLetterHeaders.User) ? new[] { DeadLetterHeaders.User } : [], DeadLetterHeaders.Origin, DeadLetterHeaders.Replays],
            r.Message.Headers.Select(h => h.Key)));
        Assert.All(replayed, r => Assert.Equal("1", OutputReader.Header(r, DeadLetterHeaders.Replays)));
        Assert.All(replayed, r => Assert.Equal($"{Traffic.InputTopic}/0/7", OutputReader.Header(r, DeadLetterHeaders.Origin)));
        Assert.Equal(["alice", "bob"], replayed.Take(2).Select(r => OutputReader.Header(r, DeadLetterHeaders.User)));

        var again = await ReplayAsync(kafka, replay);
        Assert.Equal((0, 0), (again.Read, again.Replayed));

        await ProduceDeadLettersAsync(kafka, ("m-5", DeadLetterReasons.DecisionFailed, "alice"));
        var later = await ReplayAsync(kafka, replay);
        Assert.Equal((1, 1), (later.Read, later.Replayed));
        Assert.Equal(4, OutputReader.ReadAll(kafka, Traffic.InputTopic).Count);
    }

    [Fact]
    public async Task A_user_filter_replays_that_users_dead_letters_to_the_target_topic_given()
    {
        await using var kafka = Traffic.StartKafka();
        const string target = "streamattention.messages.replayed";
        kafka.CreateTopic(target, Traffic.Partitions);
        await ProduceDeadLettersAsync(kafka,
            ("m-1", DeadLetterReasons.DecisionFailed, "alice"),
            ("m-2", DeadLetterReasons.DecisionFailed, "bob"),
            ("m-3", DeadLetterReasons.ScoringFailed, null));

        var result = await ReplayAsync(kafka, new DeadLetterReplayOptions { User = "bob", TargetTopic = target });

        Assert.Equal((3, 1, 2), (result.Read, result.Replayed, result.PassedOver));
        Assert.Equal("m-2", Encoding.UTF8.GetString(Assert.Single(OutputReader.ReadAll(kafka, target)).Message.Value));
        Assert.Empty(OutputReader.ReadAll(kafka, Traffic.InputTopic));
    }

    [Fact]
    public async Task Each_filter_has_a_group_of_its_own_so_what_one_passes_over_another_still_replays()
    {
        await using var kafka = Traffic.StartKafka();
        await ProduceDeadLettersAsync(kafka,
            ("m-1", DeadLetterReasons.DecisionFailed, "alice"),
            ("m-2", DeadLetterReasons.ScoringFailed, null),
            ("m-3", DeadLetterReasons.DecisionFailed, "bob"));

        var decisions = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed] });
        var scoring = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.ScoringFailed] });
        var bob = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed], User = "bob" });
        var decisionsAgain = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed] });

        Assert.Equal((3, 2, 1), (decisions.Read, decisions.Replayed, decisions.PassedOver));
        Assert.Equal((3, 1, 2), (scoring.Read, scoring.Replayed, scoring.PassedOver));
        // Overlapping filters replay their overlap again (bob's dead letter is also a decision-failed one).
        Assert.Equal((3, 1, 2), (bob.Read, bob.Replayed, bob.PassedOver));
        Assert.Equal((0, 0), (decisionsAgain.Read, decisionsAgain.Replayed));
        Assert.Equal(["m-1", "m-2", "m-3", "m-3"], OutputReader.ReadAll(kafka, Traffic.InputTopic).Select(r => Encoding.UTF8.GetString(r.Message.Value)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_replay_counts_itself_and_a_message_replayed_max_replays_times_stays_in_the_topic_for_another_group()
    {
        await using var kafka = Traffic.StartKafka();
        // The ingest's dead letter of a replayed message keeps its headers, the count among them (PipelineTests: every input header is kept).
        await ProduceDeadLettersAsync(kafka, [
            ("m-1", DeadLetterReasons.DecisionFailed, "alice", null),
            ("m-2", DeadLetterReasons.DecisionFailed, "alice", "2"),
            ("m-3", DeadLetterReasons.DecisionFailed, "alice", "3"),
            ("m-4", DeadLetterReasons.DecisionFailed, "alice", "not a count")]);

        var limited = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed], MaxReplays = 3 });
        var limitedAgain = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed], MaxReplays = 3 });
        var replayedFirst = ReplayCounts(kafka);
        var byHand = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed], GroupId = "by-hand" });

        Assert.Equal((4, 3, 0, 1), (limited.Read, limited.Replayed, limited.PassedOver, limited.Exhausted));
        Assert.Equal((0, 0, 0), (limitedAgain.Read, limitedAgain.Replayed, limitedAgain.Exhausted));
        Assert.Equal([("m-1", "1"), ("m-2", "3"), ("m-4", "1")], replayedFirst);
        Assert.Equal((4, 4, 0), (byHand.Read, byHand.Replayed, byHand.Exhausted));
        Assert.Equal([("m-1", "1"), ("m-1", "1"), ("m-2", "3"), ("m-2", "3"), ("m-3", "4"), ("m-4", "1"), ("m-4", "1")], ReplayCounts(kafka));
    }

    [Fact]
    public async Task A_messages_own_headers_named_as_the_dead_letters_are_dropped_from_its_dead_letter_so_it_replays_as_written()
    {
        await using var kafka = Traffic.StartKafka();
        // A producer's headers (kcat -H) named as the dead letter's own: a cut made its dead letter pass for a cut one,
        // never replayed, and a replay count for one replayed too often. The user header is the producer's to set.
        var fromProducer = new Headers { { CustomHeader, "pager"u8.ToArray() }, { DeadLetterHeaders.User, "carol"u8.ToArray() }, { DeadLetterHeaders.Replays, "999"u8.ToArray() } };
        foreach (var name in new[] { OutputSchema.Header, DeadLetterHeaders.Error, DeadLetterHeaders.ErrorDetail, DeadLetterHeaders.SourceTopic, DeadLetterHeaders.SourcePartition,
            DeadLetterHeaders.SourceOffset, DeadLetterHeaders.ValueTruncatedFrom, DeadLetterHeaders.HeadersDropped, DeadLetterHeaders.KeyTruncatedFrom })
        {
            fromProducer.Add(name, "5"u8.ToArray());
        }
        // A replayed message: its origin and its replays are the replay's, kept for the next one.
        var replayed = new Headers { { CustomHeader, "pager"u8.ToArray() }, { DeadLetterHeaders.Origin, "streamattention.messages/1/3"u8.ToArray() }, { DeadLetterHeaders.Replays, "2"u8.ToArray() } };

        await PublishDeadLettersAsync(kafka, ("m-1", 41, fromProducer), ("m-2", 42, replayed));

        var deadLetters = OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).OrderBy(r => Encoding.UTF8.GetString(r.Message.Value), StringComparer.Ordinal).ToArray();
        string[] written = [OutputSchema.Header, DeadLetterHeaders.Error, DeadLetterHeaders.ErrorDetail, DeadLetterHeaders.SourceTopic, DeadLetterHeaders.SourcePartition, DeadLetterHeaders.SourceOffset];
        Assert.Equal([CustomHeader, DeadLetterHeaders.User, DeadLetterHeaders.Origin, .. written], deadLetters[0].Message.Headers.Select(h => h.Key));
        Assert.Equal([CustomHeader, DeadLetterHeaders.Origin, DeadLetterHeaders.Replays, .. written], deadLetters[1].Message.Headers.Select(h => h.Key));
        Assert.All(deadLetters, letter => Assert.Equal(OutputSchema.DeadLetter, OutputReader.Header(letter, OutputSchema.Header)));
        Assert.Equal((DeadLetterReasons.UnknownUser, Traffic.InputTopic, "2", "41", $"{Traffic.InputTopic}/2/41"), (OutputReader.Header(deadLetters[0], DeadLetterHeaders.Error),
            OutputReader.Header(deadLetters[0], DeadLetterHeaders.SourceTopic), OutputReader.Header(deadLetters[0], DeadLetterHeaders.SourcePartition),
            OutputReader.Header(deadLetters[0], DeadLetterHeaders.SourceOffset), OutputReader.Header(deadLetters[0], DeadLetterHeaders.Origin)));

        var result = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.UnknownUser], MaxReplays = 8 });

        Assert.Equal((2, 2, 0, 0), (result.Read, result.Replayed, result.PassedOver, result.Exhausted));
        Assert.Equal([("m-1", "1"), ("m-2", "3")], ReplayCounts(kafka));
        Assert.Equal("carol", OutputReader.Header(OutputReader.ReadAll(kafka, Traffic.InputTopic).Single(r => r.Message.Value.SequenceEqual("m-1"u8.ToArray())), DeadLetterHeaders.User));
    }

    /// <summary>
    /// A later build's dead letter (its headers may mean something else) or an output record produced to the dead-letter
    /// topic by mistake was replayed as a dead letter; one without the schema header, an earlier build's, still is.
    /// </summary>
    [Fact]
    public async Task Records_of_a_schema_other_than_dead_letter_1_are_left_and_counted_by_schema_and_those_without_the_header_are_replayed()
    {
        await using var kafka = Traffic.StartKafka();
        await ProduceDeadLettersAsync(kafka, [("m-1", DeadLetterReasons.DecisionFailed, "alice", null)]);
        await ProduceDeadLettersAsync(kafka, [("m-2", DeadLetterReasons.DecisionFailed, "alice", null)], schema: null);
        await ProduceDeadLettersAsync(kafka, [("m-3", DeadLetterReasons.DecisionFailed, "alice", null), ("m-4", DeadLetterReasons.ScoringFailed, null, null)], schema: "dead-letter/2");
        await ProduceDeadLettersAsync(kafka, [("m-5", DeadLetterReasons.DecisionFailed, "alice", null)], schema: OutputSchema.Match);

        var result = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed] });
        var again = await ReplayAsync(kafka, new DeadLetterReplayOptions { Reasons = [DeadLetterReasons.DecisionFailed] });

        Assert.Equal((5, 2, 0, 0, 3), (result.Read, result.Replayed, result.PassedOver, result.Exhausted, result.Unknown));
        Assert.Equal(new Dictionary<string, int> { ["dead-letter/2"] = 2, [OutputSchema.Match] = 1 }, result.UnknownBySchema);
        Assert.Equal([("m-1", "1"), ("m-2", "1")], ReplayCounts(kafka));
        Assert.Equal((0, 0), (again.Read, again.Unknown));
        Assert.Equal(5, OutputReader.ReadAll(kafka, Traffic.DeadLetterTopic).Count);
    }

    [Fact]
    public void The_replays_client_settings_are_the_ingests_from_configuration()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Ingest:Consumer:sasl.mechanism"] = "SCRAM-SHA-512",
            ["Ingest:Consumer:sasl.username"] = "replay",
            ["Ingest:Consumer:sasl.password"] = "from-the-secret",
            ["Ingest:Producer:sasl.mechanism"] = "PLAIN",
            ["Ingest:Producer:sasl.username"] = "replay",
            ["Ingest:Producer:sasl.password"] = "from-the-secret-too",
        }).Build());
        services.AddDeadLetterReplayer(options => options.Kafka["security.protocol"] = "SASL_SSL").BindIngestClientSettings();

        // The options are validated as they are first read: librdkafka takes these settings (KafkaClientSettingsValidatorTests).
        var options = services.BuildServiceProvider().GetRequiredService<IOptions<DeadLetterReplayOptions>>().Value;

        Assert.Equal(new Dictionary<string, string> { ["sasl.mechanism"] = "SCRAM-SHA-512", ["sasl.username"] = "replay", ["sasl.password"] = "from-the-secret" }, options.Consumer);
        Assert.Equal(new Dictionary<string, string> { ["sasl.mechanism"] = "PLAIN", ["sasl.username"] = "replay", ["sasl.password"] = "from-the-secret-too" }, options.Producer);
        Assert.Equal("SASL_SSL", options.Kafka["security.protocol"]);
    }

    [Fact]
    public async Task A_clients_settings_reach_its_client_and_the_settings_for_both_go_over_them()
    {
        await using var kafka = Traffic.StartKafka();
        await ProduceDeadLettersAsync(kafka, ("m-1", DeadLetterReasons.ScoringFailed, null));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ReplayAsync(kafka, new DeadLetterReplayOptions { Consumer = { ["security.protocol"] = "bogus" } }));
        var overridden = await ReplayAsync(kafka, new DeadLetterReplayOptions
        {
            Consumer = { ["security.protocol"] = "bogus" },
            Producer = { ["security.protocol"] = "bogus" },
            Kafka = { ["security.protocol"] = "plaintext" },
        });

        Assert.Contains("security.protocol", refused.Message);
        Assert.Equal(1, overridden.Replayed);
    }

    [Fact]
    public void A_filters_group_names_its_reasons_sorted_and_its_user_and_a_group_given_is_kept()
    {
        Assert.Equal(DeadLetterReplayOptions.DefaultGroupId, new DeadLetterReplayOptions().EffectiveGroupId);
        Assert.Equal("streamattention-dead-letter-replay.decision-failed+scoring-failed.user=bob", new DeadLetterReplayOptions
        {
            Reasons = [DeadLetterReasons.ScoringFailed, DeadLetterReasons.DecisionFailed, DeadLetterReasons.ScoringFailed],
            User = "bob",
        }.EffectiveGroupId);
        Assert.Equal("mine", new DeadLetterReplayOptions { GroupId = "mine", User = "bob" }.EffectiveGroupId);
    }

    private static Task<DeadLetterReplayResult> ReplayAsync(EmbeddedKafkaCluster kafka, DeadLetterReplayOptions options)
    {
        options.BootstrapServers = kafka.BootstrapServers;
        options.DeadLetterTopic = Traffic.DeadLetterTopic;
        return new DeadLetterReplayer(Microsoft.Extensions.Options.Options.Create(options), NullLogger<DeadLetterReplayer>.Instance).ReplayAsync(CancellationToken.None);
    }

    /// <summary>The ingest's <c>unknown-user</c> dead letters of messages read from partition 2 of the input topic at the offsets given.</summary>
    private static async Task PublishDeadLettersAsync(EmbeddedKafkaCluster kafka, params (string Value, long Offset, Headers Headers)[] messages)
    {
        using var publisher = OutputPublisherTests.PublisherTo(kafka);
        var acknowledgements = new BatchAcknowledgements();
        foreach (var (value, offset, headers) in messages)
        {
            var input = new ConsumeResult<byte[]?, byte[]?>
            {
                TopicPartitionOffset = new TopicPartitionOffset(Traffic.InputTopic, 2, offset),
                Message = new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("key-" + value), Value = Encoding.UTF8.GetBytes(value), Headers = headers },
            };
            await publisher.PublishDeadLetterAsync(input, DeadLetterReasons.UnknownUser, "no interests", acknowledgements, CancellationToken.None);
        }
        await acknowledgements.AllAsync().WaitAsync(KafkaClients.Deadline);
    }

    /// <summary>The messages replayed to the input topic, as (value, replays header), sorted.</summary>
    private static (string, string)[] ReplayCounts(EmbeddedKafkaCluster kafka) => OutputReader.ReadAll(kafka, Traffic.InputTopic)
        .Select(r => (Encoding.UTF8.GetString(r.Message.Value), OutputReader.Header(r, DeadLetterHeaders.Replays))).Order().ToArray();

    private static Task ProduceDeadLettersAsync(EmbeddedKafkaCluster kafka, params (string Value, string Reason, string? User)[] deadLetters)
        => ProduceDeadLettersAsync(kafka, deadLetters.Select(d => (d.Value, d.Reason, d.User, (string?)null)));

    /// <summary>
    /// Dead letters as the ingest writes them: the original key, value and a header of its own (and the replays its
    /// message had, when given), then the dead letter's headers, its schema header <paramref name="schema"/> (null: none,
    /// as builds before it wrote them).
    /// </summary>
    private static async Task ProduceDeadLettersAsync(EmbeddedKafkaCluster kafka, IEnumerable<(string Value, string Reason, string? User, string? Replays)> deadLetters,
        string? schema = OutputSchema.DeadLetter)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(KafkaClients.Producer(kafka)).Build();
        foreach (var (value, reason, user, replays) in deadLetters)
        {
            var headers = new Headers { { CustomHeader, "pager"u8.ToArray() } };
            if (user is not null)
            {
                headers.Add(DeadLetterHeaders.User, Encoding.UTF8.GetBytes(user));
            }
            if (replays is not null)
            {
                headers.Add(DeadLetterHeaders.Replays, Encoding.UTF8.GetBytes(replays));
            }
            headers.Add(DeadLetterHeaders.Origin, Encoding.UTF8.GetBytes($"{Traffic.InputTopic}/0/7"));
            if (schema is not null)
            {
                headers.Add(OutputSchema.Header, Encoding.ASCII.GetBytes(schema));
            }
            headers.Add(DeadLetterHeaders.Error, Encoding.UTF8.GetBytes(reason));
            headers.Add(DeadLetterHeaders.ErrorDetail, "detail"u8.ToArray());
            headers.Add(DeadLetterHeaders.SourceTopic, Encoding.UTF8.GetBytes(Traffic.InputTopic));
            headers.Add(DeadLetterHeaders.SourcePartition, "0"u8.ToArray());
            headers.Add(DeadLetterHeaders.SourceOffset, "7"u8.ToArray());
            await producer.ProduceAsync(Traffic.DeadLetterTopic, new Message<byte[], byte[]>
            {
                Key = Encoding.UTF8.GetBytes("key-" + value),
                Value = Encoding.UTF8.GetBytes(value),
                Headers = headers,
            }).WaitAsync(KafkaClients.Deadline);
        }
    }
}
