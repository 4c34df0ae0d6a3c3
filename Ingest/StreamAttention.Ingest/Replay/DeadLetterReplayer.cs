using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Replay;

/// <summary>
/// Produces dead letters back to the topics their messages were read from, once what made them fail is mended: the
/// original key, value and headers, without the headers the dead letter added, but with <see cref="DeadLetterHeaders.User"/>
/// (so a <c>decision-failed</c> dead letter reaches its user alone) and <see cref="DeadLetterHeaders.Origin"/> (so its
/// matches keep the ids of its first scoring, and a user's grain that decided them then, but could not answer, returns
/// those decisions). One run handles what the dead-letter topic held
/// when it started, from the group's committed offsets, and commits only after every replayed message was
/// acknowledged: a run that fails replays its dead letters again (at-least-once, like the ingest). Each replay counts
/// itself in <see cref="DeadLetterHeaders.Replays"/>, and a dead letter replayed <see cref="DeadLetterReplayOptions.MaxReplays"/>
/// times is left where it is, as is a record whose schema header names a kind or version this build does not know
/// (<see cref="OutputSchema"/>; one without the header, from a build before it, is replayed).
/// </summary>
public sealed class DeadLetterReplayer(IOptions<DeadLetterReplayOptions> replayOptions, ILogger<DeadLetterReplayer> logger)
{
    private readonly DeadLetterReplayOptions _options = replayOptions.Value;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    public async Task<DeadLetterReplayResult> ReplayAsync(CancellationToken cancellationToken)
    {
        var kafkaLog = new KafkaClientLog(logger);
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ConsumerConfigOf(_options)).LogTo(kafkaLog).Build();
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ProducerConfigOf(_options)).LogTo(kafkaLog).Build();

        // Assigned, not subscribed: no group rebalance, and the run's end is fixed before it reads.
        var watermarks = WatermarksOf(consumer);
        var ends = watermarks.ToDictionary(w => w.Key, w => w.Value.High.Value);
        // From the committed offset, else from the earliest the broker still has.
        var starts = consumer.Committed(ends.Keys, RequestTimeout)
            .ToDictionary(c => c.TopicPartition, c => c.Offset.Value >= 0 ? c.Offset.Value : watermarks[c.TopicPartition].Low.Value);
        var left = ends.Where(end => starts[end.Key] < end.Value).ToDictionary();
        consumer.Assign(left.Keys.Select(partition => new TopicPartitionOffset(partition, starts[partition])));

        var reasons = _options.Reasons.ToHashSet(StringComparer.Ordinal);
        var replayed = new Dictionary<string, int>(StringComparer.Ordinal);
        var unknown = new Dictionary<string, int>(StringComparer.Ordinal);
        var deliveries = new List<Task>();
        var (read, passedOver, exhausted) = (0, 0, 0);
        while (left.Count > 0)
        {
            var deadLetter = consumer.Consume(_options.IdleTimeout) ?? throw new TimeoutException(
                $"No dead letter arrived for {_options.IdleTimeout} with {left.Count} partition(s) of {_options.DeadLetterTopic} not read to their end.");
            cancellationToken.ThrowIfCancellationRequested();
            if (deadLetter.IsPartitionEOF || deadLetter.Offset.Value + 1 >= left.GetValueOrDefault(deadLetter.TopicPartition, long.MaxValue))
            {
                left.Remove(deadLetter.TopicPartition);
            }
            if (deadLetter.IsPartitionEOF || deadLetter.Offset.Value >= ends[deadLetter.TopicPartition])
            {
                // Read past the run's end (dead letters that arrived during it): the next run's.
                continue;
            }
            read++;
            // A record of a shape this build does not know (a later build's dead letter, an output record produced here by
            // mistake): its headers may not mean what they mean here. One without the header is an earlier build's dead letter.
            if (Header(deadLetter, OutputSchema.Header) is { } schema && schema != OutputSchema.DeadLetter)
            {
                logger.LogWarning("Record {Partition}@{Offset} of {Topic} has schema {Schema}, not {DeadLetter}, the only dead letter this build replays: left in the topic",
                    deadLetter.Partition.Value, deadLetter.Offset.Value, _options.DeadLetterTopic, schema, OutputSchema.DeadLetter);
                unknown[schema] = unknown.GetValueOrDefault(schema) + 1;
                continue;
            }
            var reason = Header(deadLetter, DeadLetterHeaders.Error) ?? "";
            var target = _options.TargetTopic ?? Header(deadLetter, DeadLetterHeaders.SourceTopic);
            if ((reasons.Count > 0 && !reasons.Contains(reason)) || (_options.User is { } user && Header(deadLetter, DeadLetterHeaders.User) != user))
            {
                passedOver++;
                continue;
            }
            if (reason == DeadLetterReasons.OffsetsLost)
            {
                // A record of messages that are gone, not a message: producing its empty value would only dead-letter it again.
                logger.LogWarning("Dead letter {Partition}@{Offset} records offsets {First} to {Last} of {Topic} [{SourcePartition}] the broker removed before the ingest read them: nothing to replay, passed over",
                    deadLetter.Partition.Value, deadLetter.Offset.Value, Header(deadLetter, DeadLetterHeaders.LostFirstOffset), Header(deadLetter, DeadLetterHeaders.LostLastOffset),
                    Header(deadLetter, DeadLetterHeaders.SourceTopic), Header(deadLetter, DeadLetterHeaders.SourcePartition));
                passedOver++;
                continue;
            }
            if (DeadLetterCut.IsCut(deadLetter.Message.Headers))
            {
                logger.LogWarning("Dead letter {Partition}@{Offset} ({Reason}) holds only part of its message ({Value} of {Length} value bytes, {Dropped} headers dropped, key cut from {KeyLength} bytes): passed over",
                    deadLetter.Partition.Value, deadLetter.Offset.Value, reason, deadLetter.Message.Value?.Length ?? 0,
                    Header(deadLetter, DeadLetterHeaders.ValueTruncatedFrom) ?? "all", Header(deadLetter, DeadLetterHeaders.HeadersDropped) ?? "no",
                    Header(deadLetter, DeadLetterHeaders.KeyTruncatedFrom) ?? "not");
                passedOver++;
                continue;
            }
            if (target is null)
            {
                logger.LogWarning("Dead letter {Partition}@{Offset} names no source topic and no target was given: passed over", deadLetter.Partition.Value, deadLetter.Offset.Value);
                passedOver++;
                continue;
            }
            var replays = ReplaysOf(deadLetter);
            if (replays >= _options.MaxReplays)
            {
                logger.LogWarning("Dead letter {Partition}@{Offset} ({Reason}, user {User}) was replayed {Replays} times, the most allowed: left in {Topic}",
                    deadLetter.Partition.Value, deadLetter.Offset.Value, reason, Header(deadLetter, DeadLetterHeaders.User) ?? "any", replays, _options.DeadLetterTopic);
                exhausted++;
                continue;
            }
            deliveries.Add(producer.ProduceAsync(target, Original(deadLetter.Message, replays + 1), cancellationToken));
            replayed[reason] = replayed.GetValueOrDefault(reason) + 1;
        }
        await Task.WhenAll(deliveries);
        consumer.Commit(ends.Select(end => new TopicPartitionOffset(end.Key, end.Value)));
        consumer.Close();
        return new DeadLetterReplayResult(read, replayed, passedOver, exhausted, unknown);
    }

    /// <summary>The replay's consumer settings (checked at start by <see cref="Hosting.KafkaClientSettingsValidator.ReplayConsumer"/>).</summary>
    public static ConsumerConfig ConsumerConfigOf(DeadLetterReplayOptions options) => new(Settings(options, options.Consumer))
    {
        BootstrapServers = options.BootstrapServers,
        GroupId = options.EffectiveGroupId,
        EnableAutoCommit = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // A partition's end may lie past its last record (transaction markers): the end of partition says so.
        EnablePartitionEof = true,
    };

    /// <summary>The replay's producer settings (checked at start by <see cref="Hosting.KafkaClientSettingsValidator.ReplayProducer"/>).</summary>
    public static ProducerConfig ProducerConfigOf(DeadLetterReplayOptions options) => new(Settings(options, options.Producer))
    {
        BootstrapServers = options.BootstrapServers,
        EnableIdempotence = true,
        Acks = Acks.All,
    };

    /// <summary>A client's own settings with the ones for both clients over them; the replay's own (group, offsets, idempotence) go over all.</summary>
    private static Dictionary<string, string> Settings(DeadLetterReplayOptions options, Dictionary<string, string> client)
    {
        var settings = new Dictionary<string, string>(client);
        foreach (var (key, value) in options.Kafka)
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Each partition of the dead-letter topic, with the earliest offset the broker still has and its end, now.</summary>
    private Dictionary<TopicPartition, WatermarkOffsets> WatermarksOf(IConsumer<byte[]?, byte[]?> consumer)
    {
        using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
        var topic = admin.GetMetadata(_options.DeadLetterTopic, RequestTimeout).Topics.Single();
        if (topic.Error.IsError)
        {
            throw new KafkaException(topic.Error);
        }
        return topic.Partitions.Select(p => new TopicPartition(_options.DeadLetterTopic, p.PartitionId))
            .ToDictionary(partition => partition, partition => consumer.QueryWatermarkOffsets(partition, RequestTimeout));
    }

    /// <summary>The original message, its replays counted one higher.</summary>
    private static Message<byte[]?, byte[]?> Original(Message<byte[]?, byte[]?> deadLetter, int replays)
    {
        var headers = new Headers();
        foreach (var header in deadLetter.Headers ?? [])
        {
            if (!DeadLetterHeaders.WrittenByDeadLetter.Contains(header.Key) && header.Key != DeadLetterHeaders.Replays)
            {
                headers.Add(header.Key, header.GetValueBytes());
            }
        }
        headers.Add(DeadLetterHeaders.Replays, Encoding.ASCII.GetBytes(replays.ToString(CultureInfo.InvariantCulture)));
        return new Message<byte[]?, byte[]?> { Key = deadLetter.Key, Value = deadLetter.Value, Headers = headers };
    }

    /// <summary>The replays a dead letter's message had; 0 without the header (or with one that is not a count: never trusted to stop a replay).</summary>
    private static int ReplaysOf(ConsumeResult<byte[]?, byte[]?> deadLetter)
        => int.TryParse(Header(deadLetter, DeadLetterHeaders.Replays), NumberStyles.None, CultureInfo.InvariantCulture, out var replays) ? replays : 0;

    private static string? Header(ConsumeResult<byte[]?, byte[]?> result, string name)
        => result.Message.Headers?.TryGetLastBytes(name, out var value) == true ? Encoding.UTF8.GetString(value) : null;
}

/// <summary>
/// What a replay run did: dead letters read, replayed (by reason), passed over by the filters, left because their
/// messages were replayed <see cref="DeadLetterReplayOptions.MaxReplays"/> times, and records left because their schema
/// header (<see cref="OutputSchema.Header"/>) names another kind or version than <see cref="OutputSchema.DeadLetter"/>
/// (by that header's value).
/// </summary>
public sealed record DeadLetterReplayResult(int Read, IReadOnlyDictionary<string, int> ReplayedByReason, int PassedOver, int Exhausted,
    IReadOnlyDictionary<string, int> UnknownBySchema)
{
    public int Replayed => ReplayedByReason.Values.Sum();

    public int Unknown => UnknownBySchema.Values.Sum();
}
