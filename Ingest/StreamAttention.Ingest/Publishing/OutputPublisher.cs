using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The pipeline's only producer: matches (keyed by user key, "tenant/user", so a user's stream stays in one partition,
/// in order; the immediate ones also on the notification topic), dead letters (the original key, value and headers,
/// plus the reason), and, in a silo that hosts the pipeline, the users' digests (keyed by user key, header
/// <see cref="DigestIdHeader"/> the digest's stable id, so a consumer can drop a resent one). Every record carries its
/// kind and version in header <see cref="OutputSchema.Header"/>. Idempotent with acks=all, so a retried
/// produce neither duplicates nor reorders; a batch's outputs report their acknowledgements to its
/// <see cref="BatchAcknowledgements"/>, a digest's task completes when the broker acknowledged it. Matches,
/// notifications and digests each go to their tenant's own topic when its <see cref="IngestTenancyOptions"/> pattern is set.
/// </summary>
public sealed class OutputPublisher : IDigestSink, IDisposable
{
    public const string DigestIdHeader = "streamattention-digest-id";

    /// <summary>
    /// On a digest whose texts were cut to fit (<see cref="DigestFit"/>): the length in characters every text longer than
    /// it was cut to, decimal; each such text is its first that many characters (one fewer rather than half an emoji) and
    /// "…". Without it no text was cut, whatever it ends in.
    /// </summary>
    public const string DigestTextsTruncatedToHeader = "streamattention-texts-truncated-to";

    /// <summary>
    /// On a digest that lists fewer matches than it was formed with, to fit (<see cref="DigestFit"/>): how many of its
    /// listed matches its groups' <c>more</c> count instead, decimal.
    /// </summary>
    public const string DigestMatchesUnlistedHeader = "streamattention-matches-unlisted";

    /// <summary>How long a produce waits when the producer's local queue is full before trying again.</summary>
    private static readonly TimeSpan QueueFullDelay = TimeSpan.FromMilliseconds(5);

    private readonly KafkaIngestOptions _options;
    private readonly IProducer<byte[]?, byte[]?> _producer;

    private readonly (string Setting, string Pattern)[] _matchTopicPatterns;

    /// <summary>The message's headers a cut dead letter keeps longest (<see cref="DeadLetterHeaders.DroppedLast"/>), the tenant header of these options among them.</summary>
    private readonly IReadOnlySet<string> _deadLetterHeadersDroppedLast;

    public OutputPublisher(IOptions<KafkaIngestOptions> options, ILogger<OutputPublisher>? logger = null)
    {
        _options = options.Value;
        _matchTopicPatterns = _options.Tenancy.MatchTopicPatterns().ToArray();
        _deadLetterHeadersDroppedLast = DeadLetterHeaders.DroppedLast(_options.Tenancy.Header);
        _producer = new ProducerBuilder<byte[]?, byte[]?>(ConfigOf(_options)).LogTo(new KafkaClientLog(logger ?? NullLogger<OutputPublisher>.Instance)).Build();
    }

    /// <summary>The producer's settings: its own, then <see cref="KafkaIngestOptions.Producer"/> over them, then those its delivery guarantee depends on.</summary>
    public static ProducerConfig ConfigOf(KafkaIngestOptions options)
    {
        // A delivery report is read for its error only: the other fields would be copied back for every match.
        var config = new ProducerConfig { BootstrapServers = options.BootstrapServers, LingerMs = 5, DeliveryReportFields = "none" };
        foreach (var (key, value) in options.Producer)
        {
            config.Set(key, value);
        }
        // Set last: at-least-once without duplicates from the producer's own retries depends on them.
        config.EnableIdempotence = true;
        config.Acks = Acks.All;
        return config;
    }

    /// <summary>
    /// The batch's <see cref="MatchRecordLayout.PerUserBatch"/> records to fill (<see cref="PublishMatchesAsync"/>) and
    /// then publish (<see cref="PublishUserRecordsAsync"/>); null with <see cref="MatchRecordLayout.PerMatch"/>.
    /// </summary>
    public UserBatchRecords? UserRecordsForBatch()
        => _options.Output.MatchRecords == MatchRecordLayout.PerUserBatch ? new UserBatchRecords(_options.Output.MaxRecordBytes) : null;

    /// <summary>
    /// Hands a message's matches (and the notifications of the immediate ones) to the producer, in order;
    /// <paramref name="acknowledgements"/> learns of each delivery. What the matches share (topics, trace headers, the
    /// message's part of the JSON value) is worked out once per message. With <paramref name="userRecords"/> the
    /// matches go into the batch's per-user records instead, and only the notifications are produced here.
    /// </summary>
    public async ValueTask PublishMatchesAsync(IngestMessage message, IReadOnlyList<TextMatch> matches, SourcePosition source, UserBatchRecords? userRecords, BatchAcknowledgements acknowledgements, CancellationToken cancellationToken)
    {
        if (matches.Count == 0)
        {
            return;
        }
        var text = _options.IncludeText ? message.Text : null;
        var attributes = _options.IncludeAttributes ? message.Attributes : null;
        // Made on the first match that needs its own record: with per-user records, only the notifications do.
        MessageMatchesJson? json = null;
        Message<byte[]?, byte[]?>? output = null;
        var headers = RecordHeaders(OutputSchema.MatchValue);
        userRecords?.Add(message, text, attributes, source, matches, OutputTopicOf);
        foreach (var match in matches)
        {
            var immediate = match.Delivery == DeliveryKinds.Immediate;
            if (userRecords is not null && !immediate)
            {
                continue;
            }
            // One record written over for each match: the producer copies its key and value while it is produced (both
            // produce calls below) and keeps no reference to it, and its key's and value's arrays are the writer's.
            json ??= new MessageMatchesJson(message, text, attributes, source);
            output ??= new Message<byte[]?, byte[]?> { Headers = headers };
            output.Key = json.Key(match.UserId);
            output.Value = json.Write(match);
            if (userRecords is null)
            {
                await ProduceAsync(OutputTopicOf(match.UserId), output, acknowledgements, cancellationToken);
            }
            if (immediate)
            {
                // A notification stays one record per match in either layout: it is what should reach the person now.
                await ProduceAsync(UserTopic(match.UserId, _options.Tenancy.NotificationTopicPattern, _options.NotificationTopic), output, acknowledgements, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Hands the batch's per-user records to the producer (keyed by user key, with the schema header and the batch's trace
    /// headers), once all its messages were added; returns how many.
    /// </summary>
    public async ValueTask<int> PublishUserRecordsAsync(UserBatchRecords userRecords, BatchAcknowledgements acknowledgements, CancellationToken cancellationToken)
    {
        var headers = RecordHeaders(OutputSchema.UserMatchesValue);
        var records = userRecords.Records();
        foreach (var record in records)
        {
            await ProduceAsync(record.Topic, new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(record.UserId),
                Value = record.Value,
                Headers = headers,
            }, acknowledgements, cancellationToken);
        }
        return records.Count;
    }

    /// <summary>
    /// The headers of a message's or batch's match records: the schema header (<paramref name="schema"/>, one of
    /// <see cref="OutputSchema"/>'s values) and the current activity's trace context (the batch's) when there is one,
    /// for the outputs' consumers. Made once for all the records they go on: the producer only reads them.
    /// </summary>
    private static Headers RecordHeaders(byte[] schema)
    {
        var headers = new Headers { { OutputSchema.Header, schema } };
        IngestTracing.AddCurrentContext(headers);
        return headers;
    }

    /// <summary>
    /// Fails for a user whose tenant has no digest topic of its own (<see cref="IngestTenancyOptions.TenantTopicProblem"/>),
    /// saying why: the user's grain keeps the digest in its outbox and logs the failure. A digest larger than the producer
    /// takes is cut to fit (<see cref="DigestFit"/>), its record naming the cuts in <see cref="DigestTextsTruncatedToHeader"/>
    /// and <see cref="DigestMatchesUnlistedHeader"/>; a whole digest carries neither. The record carries the trace context of
    /// its own publish span (<see cref="IngestTracing.StartDigest"/>), while something listens to the ingest's source.
    /// </summary>
    public async Task PublishAsync(Digest digest, CancellationToken cancellationToken)
    {
        if (_options.Tenancy.DigestTopicPattern is { } pattern && Ids.TenantOf(digest.UserId) is { } tenant
            && IngestTenancyOptions.TenantTopicProblem(IngestTenancyOptions.DigestTopicPatternSetting, pattern, tenant) is { } problem)
        {
            throw new InvalidOperationException($"Digest {digest.Id} was not published: {problem}");
        }
        var fitted = DigestFit.Fit(digest, _options.ProducerMessageMaxBytes() - IngestOutputOptions.RecordOverheadBytes);
        var headers = new Headers { { OutputSchema.Header, OutputSchema.DigestValue }, { DigestIdHeader, Encoding.UTF8.GetBytes(digest.Id) } };
        if (fitted.TextsCutTo is { } length)
        {
            headers.Add(DigestTextsTruncatedToHeader, DeadLetterHeaders.Decimal(length));
        }
        if (fitted.MatchesUnlisted > 0)
        {
            headers.Add(DigestMatchesUnlistedHeader, DeadLetterHeaders.Decimal(fitted.MatchesUnlisted));
        }
        var topic = UserTopic(digest.UserId, _options.Tenancy.DigestTopicPattern, _options.DigestTopic);
        using var activity = IngestTracing.StartDigest(topic, digest);
        IngestTracing.AddCurrentContext(headers);
        try
        {
            await _producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
            {
                Key = Encoding.UTF8.GetBytes(digest.UserId),
                Value = fitted.Value,
                Headers = headers,
            }, cancellationToken);
        }
        catch (Exception e)
        {
            IngestTracing.Failed(activity, e);
            throw;
        }
    }

    /// <summary>
    /// Takes out of <paramref name="matches"/> those of users whose tenant has no topic of its own under the match or
    /// notification pattern (<see cref="IngestTenancyOptions.TenantTopicProblem"/>), and returns each such user key once,
    /// with why: the message is dead-lettered for them instead, as Kafka would refuse the produce.
    /// </summary>
    public IReadOnlyList<(string UserKey, string Problem)> TakeMatchesWithoutTopic(List<TextMatch> matches)
    {
        if (_matchTopicPatterns.Length == 0)
        {
            return [];
        }
        var withoutTopic = new List<(string UserKey, string Problem)>();
        matches.RemoveAll(match =>
        {
            if (Ids.TenantOf(match.UserId) is not { } tenant
                || _matchTopicPatterns.Select(p => IngestTenancyOptions.TenantTopicProblem(p.Setting, p.Pattern, tenant)).FirstOrDefault(problem => problem is not null) is not { } problem)
            {
                return false;
            }
            if (!withoutTopic.Exists(user => user.UserKey == match.UserId))
            {
                withoutTopic.Add((match.UserId, problem));
            }
            return true;
        });
        return withoutTopic;
    }

    /// <summary>
    /// The output topic of a match for the user with key <paramref name="userKey"/>: the user's tenant's own, whatever
    /// the message's tenant (a message without one reaches every tenant's users).
    /// </summary>
    private string OutputTopicOf(string userKey) => UserTopic(userKey, _options.Tenancy.OutputTopicPattern, _options.OutputTopic);

    /// <summary>
    /// The topic of the user with key <paramref name="userKey"/> ("tenant/user", or a tenant-less user's id): its
    /// tenant's own when the pattern (<see cref="IngestTenancyOptions"/>) is set, else the one topic. The tenant is cut
    /// from the key only when there is a pattern: this runs for every match.
    /// </summary>
    private static string UserTopic(string userKey, string? pattern, string topic)
        => pattern is not null && Ids.TenantOf(userKey) is { } tenant ? IngestTenancyOptions.TenantTopic(pattern, tenant) : topic;

    /// <summary>
    /// Hands the input's dead letter to the producer; <paramref name="forUser"/>: the one user it is for
    /// (<see cref="DeadLetterHeaders.User"/>), with the erasure mark taken before the batch's scoring
    /// (<see cref="DeadLetterHeaders.ErasureMark"/>) and the user's incarnation when known (<see cref="DeadLetterHeaders.Incarnation"/>).
    /// </summary>
    public ValueTask PublishDeadLetterAsync(ConsumeResult<byte[]?, byte[]?> input, string reason, string detail, BatchAcknowledgements acknowledgements, CancellationToken cancellationToken,
        (string User, ErasureMark ScoredAfter, Guid? Incarnation)? forUser = null)
    {
        var messageHeaders = DeadLetterHeaders.KeptOf(input.Message.Headers, forUser?.User);
        var headers = new Headers();
        if (forUser is var (user, scoredAfter, incarnation))
        {
            headers.Add(DeadLetterHeaders.User, Encoding.UTF8.GetBytes(user));
            headers.Add(DeadLetterHeaders.ErasureMark, DeadLetterHeaders.Mark(scoredAfter));
            if (incarnation is { } written)
            {
                headers.Add(DeadLetterHeaders.Incarnation, DeadLetterHeaders.IncarnationValue(written));
            }
        }
        if (!messageHeaders.Any(h => h.Key == DeadLetterHeaders.Origin))
        {
            headers.Add(DeadLetterHeaders.Origin, Encoding.UTF8.GetBytes(SourcePosition.Of(input).ToString()));
        }
        DeadLetterHeaders.AddFailure(headers, reason, detail, input.TopicPartition);
        headers.Add(DeadLetterHeaders.SourceOffset, DeadLetterHeaders.Decimal(input.Offset.Value));
        // A message its producer traced keeps its own trace context (a replay continues that trace); one without
        // gets the batch's that failed it, so the dead letter's consumer and its replay continue the ingest's trace.
        if (!messageHeaders.Any(h => h.Key == IngestTracing.TraceParentHeader))
        {
            IngestTracing.AddCurrentContext(headers);
        }
        return ProduceAsync(_options.DeadLetterTopic,
            DeadLetterCut.Fit(_options.ProducerMessageMaxBytes() - IngestOutputOptions.RecordOverheadBytes, input.Message.Key, messageHeaders, input.Message.Value, headers, _deadLetterHeadersDroppedLast),
            acknowledgements, cancellationToken);
    }

    /// <summary>
    /// Hands the dead letter of offsets the broker removed before they were read to the producer: no key and no value
    /// (the messages are gone), the reason <see cref="DeadLetterReasons.OffsetsLost"/>, the source topic and partition,
    /// and the first and last offset lost.
    /// </summary>
    public ValueTask PublishLostOffsetsAsync(LostOffsets lost, BatchAcknowledgements acknowledgements, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        DeadLetterHeaders.AddFailure(headers, DeadLetterReasons.OffsetsLost,
            $"offsets {lost.First} to {lost.Last} ({lost.Count}) of {lost.Partition.Topic} [{lost.Partition.Partition.Value}] were removed by the broker before the ingest read them; it read on from {lost.Last + 1} or later",
            lost.Partition);
        headers.Add(DeadLetterHeaders.LostFirstOffset, DeadLetterHeaders.Decimal(lost.First));
        headers.Add(DeadLetterHeaders.LostLastOffset, DeadLetterHeaders.Decimal(lost.Last));
        IngestTracing.AddCurrentContext(headers);
        return ProduceAsync(_options.DeadLetterTopic, new Message<byte[]?, byte[]?> { Key = null, Value = null, Headers = headers }, acknowledgements, cancellationToken);
    }

    /// <summary>
    /// Hands one output to the producer without a task per message. While librdkafka's local queue is full
    /// (<c>queue.buffering.max.messages</c>: a batch at 100,000 interests can publish more matches than it holds), waits
    /// for deliveries to make room instead of failing the batch.
    /// </summary>
    private async ValueTask ProduceAsync(string topic, Message<byte[]?, byte[]?> output, BatchAcknowledgements acknowledgements, CancellationToken cancellationToken)
    {
        acknowledgements.Add();
        while (true)
        {
            try
            {
                _producer.Produce(topic, output, acknowledgements.DeliveryHandler);
                return;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == Confluent.Kafka.ErrorCode.Local_QueueFull && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(QueueFullDelay, cancellationToken);
            }
            catch
            {
                acknowledgements.Abandon();
                throw;
            }
        }
    }

    /// <summary>Waits for what is still queued, so a graceful stop loses no acknowledgement it could have had.</summary>
    public void Flush(TimeSpan timeout) => _producer.Flush(timeout);

    public void Dispose() => _producer.Dispose();
}
