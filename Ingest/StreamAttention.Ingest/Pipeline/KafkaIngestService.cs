using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;
// Orleans brings its own ErrorCode into scope.
using ErrorCode = Confluent.Kafka.ErrorCode;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// The consume loop, on a thread of its own (the Kafka consumer blocks): reads batches, hands each to a
/// <see cref="BatchProcessor"/>, commits the offsets of batches whose outputs were all acknowledged, and pauses its
/// partitions while <see cref="KafkaIngestOptions.MaxInFlightBatches"/> batches are in flight, a silo's scoring
/// queue is full (<see cref="ScoringGatewayClient.Busy"/>) or the group rejected a commit because it is rebalancing
/// (<see cref="_groupRebalancing"/>). A failed batch or a fatal consumer error ends the
/// consumer session; a new one resumes from the committed offsets (at-least-once; <see cref="ConsumerRestarts"/>). Disposing it (a host disposed
/// without being stopped) ends the loop too, as a stop does.
/// </summary>
public sealed class KafkaIngestService(
    IOptions<KafkaIngestOptions> options,
    BatchProcessor processor,
    ScoringGatewayClient gateway,
    OutputPublisher publisher,
    IngestInstruments metrics,
    TimeProvider time,
    ILogger<KafkaIngestService> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan PausedPoll = TimeSpan.FromMilliseconds(100);
    /// <summary>
    /// How long the loop waits for a slot before pausing: librdkafka fetches a resumed partition again only at its
    /// next fetch decision, up to a second later, so pausing for every short wait put up to a second on the latency of
    /// every message behind it (p99 ~1 s at half load). The consumer's own prefetch holds what arrives meanwhile.
    /// </summary>
    private static readonly TimeSpan PauseAfter = TimeSpan.FromSeconds(1);
    /// <summary>
    /// How often the loop reports the consumer lag (a gauge): reading every partition's position and watermarks after
    /// each poll, every few milliseconds, cost ~2 % of the process's CPU at 10,000 interests.
    /// </summary>
    private static readonly TimeSpan LagReportPeriod = TimeSpan.FromSeconds(1);

    /// <summary>How long a lag report waits for the broker's answers, over the whole assignment.</summary>
    private static readonly TimeSpan WatermarkQueryTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>How long the loop waits for a partition's committed offset, asked once per assignment to find offsets lost before it (<see cref="ReadPositions"/>).</summary>
    private static readonly TimeSpan CommittedQueryTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Kept across the consumer's restarts, so a broker that stays down is not reported anew by each consumer.</summary>
    private readonly KafkaClientLog _kafkaLog = new(logger);

    /// <summary>
    /// Each partition's offset past the batches this ingest finished (every output acknowledged), kept across
    /// assignments and consumer sessions, committed or not: see <see cref="ResumeOffset"/>. Used by the consume loop's
    /// thread only (the rebalance handlers run on it).
    /// </summary>
    private readonly Dictionary<TopicPartition, long> _finished = [];

    private readonly KafkaIngestOptions _options = options.Value;
    private readonly ConsumerRestarts _restarts = new(time, metrics, logger);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _loop;
    /// <summary>When the consume loop's thread reports the lag next (<see cref="Environment.TickCount64"/>).</summary>
    private long _nextLagReport;

    /// <summary>
    /// A commit failed because the group is rebalancing: no new batch starts until the rebalance has revoked, assigned or
    /// lost partitions, or a commit succeeded again. A batch started meanwhile could not be committed either, and the
    /// partitions' next owner scored it again (148 match records published twice in one run of two ingest processes,
    /// the loop starting batches and failing a commit after every poll). Used by the consume loop's thread only.
    /// </summary>
    private bool _groupRebalancing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = new Thread(Run) { IsBackground = true, Name = "kafka-ingest" };
        _loop.Start();
        return Task.CompletedTask;
    }

    /// <summary>Stops reading, then drains: in-flight batches finish (up to the drain timeout) and their offsets are committed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _stopped.Task.WaitAsync(cancellationToken);
        publisher.Flush(_options.DrainTimeout);
    }

    /// <summary>
    /// A host disposed without a stop (tests do) would otherwise leave the loop reconnecting to its brokers' ports for
    /// the rest of the process, and join whatever cluster takes one of those ports next. Waits for the loop (up to the
    /// drain timeout), because the producer its batches publish through is disposed next, and Confluent.Kafka does not
    /// guard a produce that races the disposal of its handle.
    /// </summary>
    public void Dispose()
    {
        _stopping.Cancel();
        _loop?.Join(_options.DrainTimeout);
    }

    private void Run()
    {
        try
        {
            _restarts.Run(RunSession, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped while a session was starting (e.g. asking the gateway for the embedding dimension) or waiting to restart.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Kafka ingest failed while stopping");
        }
        finally
        {
            logger.LogInformation("Kafka ingest stopped");
            _stopped.TrySetResult();
        }
    }

    private void RunSession()
    {
        var decoder = new MessageDecoder(_options.MaxMessageBytes, CreateFormatDecoder(), new MessageTenancy(_options.Tenancy));
        var tracker = new OffsetTracker();
        var inFlight = new List<Task>();
        // Cancelled only when a drain times out: a graceful stop lets in-flight batches finish.
        using var abandon = new CancellationTokenSource();
        // Read but not yet handed to a batch; a revoke removes its partitions' messages (see BuildConsumer).
        var unprocessed = new UnprocessedInput();
        // A new consumer joins the group anew.
        _groupRebalancing = false;
        using var consumer = BuildConsumer(tracker, inFlight, unprocessed);
        consumer.Subscribe(_options.EffectiveInputTopics);
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                RemoveFinished(inFlight);
                if (MustWait(inFlight))
                {
                    WaitToStartBatch(consumer, tracker, inFlight, unprocessed);
                    continue;
                }
                Poll(consumer, unprocessed);
                ReportLagWhenDue(consumer, tracker, unprocessed, paused: false);
                Commit(consumer, tracker, tracker.Committable());
                if (_groupRebalancing)
                {
                    // What was read stays unprocessed: this consumer processes it after the rebalance, or its next owner does.
                    continue;
                }
                var (batch, lost) = unprocessed.Take();
                if (batch.Count > 0)
                {
                    inFlight.Add(processor.ProcessAsync(batch, lost, decoder, tracker.Track(batch), abandon.Token));
                }
            }
        }
        finally
        {
            logger.LogInformation("Kafka ingest stopping: {Batches} batches in flight finish first (up to Ingest:DrainTimeout, {Timeout})",
                inFlight.Count(batch => !batch.IsCompleted), _options.DrainTimeout);
            if (!Drain(inFlight))
            {
                logger.LogWarning("{Batches} batches did not finish within Ingest:DrainTimeout ({Timeout}): abandoned uncommitted, their messages are read again by the next consumer",
                    inFlight.Count(batch => !batch.IsCompleted), _options.DrainTimeout);
                abandon.Cancel();
            }
            Commit(consumer, tracker, tracker.Committable());
            // Leaves the group at once (the revoke handler commits again, harmlessly), so a successor need not wait for the session timeout.
            consumer.Close();
        }
    }

    /// <summary>
    /// <see cref="ReportLag"/> once per <see cref="LagReportPeriod"/>, whichever loop asks (running or paused): one clock,
    /// so a consumer that pauses and resumes often asks the broker no more often than one that never does. The offsets
    /// read past without a message count as processed first (<see cref="UnprocessedInput.ReadTo"/>), as the lag counts them.
    /// </summary>
    private void ReportLagWhenDue(IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, UnprocessedInput unprocessed, bool paused)
    {
        if (Environment.TickCount64 < _nextLagReport)
        {
            return;
        }
        // Offsets librdkafka reads past without handing them to the loop (a transaction's commit or abort marker; under
        // read_committed an aborted transaction's records) count as processed, so the next commit and the lag reach the
        // log's end: a transactional producer's last marker kept the group one offset short of it for good.
        unprocessed.ReadTo(tracker, consumer.Assignment, consumer.Position);
        ReportLag(consumer, tracker, paused);
        _nextLagReport = Environment.TickCount64 + (long)LagReportPeriod.TotalMilliseconds;
    }

    /// <summary>
    /// Lag over the assignment: the log's end minus the first offset not processed (<see cref="OffsetTracker.Unprocessed"/>;
    /// where nothing was read yet, the position, else where the consumer resumes: the committed offset, or the log's
    /// start for a new group), so messages read into batches that have not finished count. The log's end is the
    /// consumer's cached watermark, which only fetches move; paused partitions are not fetched, so then it is asked of
    /// the broker, within <see cref="WatermarkQueryTimeout"/> for the whole assignment. A report that cannot be made
    /// whole (the brokers unreachable) keeps the last one rather than show a stalled stream as caught up.
    /// </summary>
    private void ReportLag(IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, bool paused)
    {
        var deadline = DateTime.UtcNow + WatermarkQueryTimeout;
        long lag = 0;
        try
        {
            foreach (var partition in consumer.Assignment)
            {
                var remaining = deadline - DateTime.UtcNow;
                if (paused && remaining <= TimeSpan.Zero)
                {
                    return;
                }
                var log = paused ? consumer.QueryWatermarkOffsets(partition, remaining) : consumer.GetWatermarkOffsets(partition);
                if (log.High == log.Low)
                {
                    // Empty: nothing to count, and no need to ask where it resumes.
                    continue;
                }
                // Running, the loop does not wait for the broker: a partition not fetched yet is left out until it is.
                var processed = tracker.Unprocessed(partition) ?? ResumePoint(consumer, partition, log, paused ? deadline - DateTime.UtcNow : TimeSpan.Zero);
                if (processed is >= 0 && log.High != Offset.Unset)
                {
                    lag += Math.Max(0, log.High.Value - processed.Value);
                }
            }
        }
        catch (KafkaException e)
        {
            logger.LogDebug("Consumer lag not reported: {Reason}", e.Error.Reason);
            return;
        }
        metrics.ConsumerLag(lag);
    }

    /// <summary>Where the consumer reads <paramref name="partition"/> from next when none of it was read: null when unknown.</summary>
    private static long? ResumePoint(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition, WatermarkOffsets log, TimeSpan timeout)
    {
        if (consumer.Position(partition) is { IsSpecial: false } position)
        {
            return position.Value;
        }
        if (timeout <= TimeSpan.Zero)
        {
            return null;
        }
        var committed = consumer.Committed([partition], timeout).Single().Offset;
        // Without a commit the group starts at the log's start (auto.offset.reset=earliest).
        return committed.IsSpecial ? (log.Low.IsSpecial ? null : log.Low.Value) : committed.Value;
    }

    private IFormatDecoder CreateFormatDecoder() => _options.Format switch
    {
        InputFormat.Text => new TextMessageDecoder(),
        InputFormat.Json => new JsonMessageDecoder(_options.Fields, null),
        InputFormat.Vectors => new JsonMessageDecoder(_options.Fields,
            new VectorReader(gateway.GetEmbeddingDimensionAsync(_stopping.Token).GetAwaiter().GetResult())),
        _ => throw new InvalidOperationException($"Unknown input format {_options.Format}."),
    };

    private IConsumer<byte[]?, byte[]?> BuildConsumer(OffsetTracker tracker, List<Task> inFlight, UnprocessedInput unprocessed)
    {
        var config = IngestConsumerConfig.Of(_options);
        // Revoked with finished batches the group did not take the commit of, since the last assignment (see the handlers).
        var revokedUncommitted = new HashSet<TopicPartition>();
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .LogTo(_kafkaLog)
            .SetPartitionsAssignedHandler((consumer, partitions) =>
            {
                logger.LogInformation("Kafka consumer assigned {Partitions}", string.Join(", ", partitions));
                _groupRebalancing = false;
                // A partition this consumer gets back resumes past what it finished, not at the group's offset its
                // rejected commit left behind: that re-scored and published again what it had finished before the
                // rebalance (the survivor's last ~0.6 s of messages when another silo's ingest left gracefully).
                var resumed = partitions.Select(p => new TopicPartitionOffset(p, revokedUncommitted.Contains(p) ? Resume(consumer, tracker, p) : Offset.Unset)).ToList();
                revokedUncommitted.Clear();
                return resumed;
            })
            .SetPartitionsRevokedHandler((consumer, partitions) =>
            {
                logger.LogInformation("Kafka consumer revoked {Partitions}", string.Join(", ", partitions));
                // Another consumer takes these partitions over: hand them on with every finished batch committed.
                Drain(inFlight);
                var revoked = partitions.Select(p => p.TopicPartition).ToArray();
                var finished = tracker.Committable(revoked);
                // A rebalancing group rejects the commit (the embedded Kafka throughout the rebalance, a real broker while
                // it completes one): these were finished but not committed. Only what was offered: asking the tracker again
                // also counted a batch that finished after the commit (a drain that timed out), never offered, and where the
                // group had no offset either Resume found none of this ingest's (KeyNotFoundException in the assign handler).
                if (!Commit(consumer, tracker, finished))
                {
                    revokedUncommitted.UnionWith(finished.Select(offset => offset.TopicPartition));
                }
                tracker.Forget(revoked);
                // Whoever gets them next (this consumer too, after an eager rebalance) reads them again from the committed offset.
                unprocessed.Forget(revoked);
                _groupRebalancing = false;
            })
            .SetPartitionsLostHandler((_, partitions) =>
            {
                // The group session expired (e.g. the coordinator unreachable for longer than the session timeout).
                logger.LogWarning("Kafka consumer lost {Partitions}: their uncommitted batches are read again", string.Join(", ", partitions));
                var lost = partitions.Select(p => p.TopicPartition).ToArray();
                tracker.Forget(lost);
                unprocessed.Forget(lost);
                _groupRebalancing = false;
            })
            .Build();
    }

    /// <summary>
    /// Where a partition given back to this consumer after a commit the group rejected resumes: past what this ingest
    /// finished (every output acknowledged), or at the group's offset where another consumer committed further meanwhile.
    /// The loop commits it with its next commit.
    /// </summary>
    private long Resume(IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, TopicPartition partition)
    {
        var offset = ResumeOffset(consumer, partition) ?? _finished[partition];
        tracker.Resumed(partition, offset);
        logger.LogInformation("Kafka consumer resumes {Partition} at offset {Offset}, past what it finished before the rebalance", partition, offset);
        return offset;
    }

    /// <summary>Fills <paramref name="unprocessed"/> up to <see cref="KafkaIngestOptions.MaxBatchSize"/> messages, waiting at most <see cref="KafkaIngestOptions.MaxBatchWait"/>.</summary>
    private void Poll(IConsumer<byte[]?, byte[]?> consumer, UnprocessedInput unprocessed)
    {
        var deadline = DateTime.UtcNow + _options.MaxBatchWait;
        while (unprocessed.Count < _options.MaxBatchSize && !_stopping.IsCancellationRequested)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || Next(consumer, remaining) is not { } result)
            {
                break;
            }
            if (!result.IsPartitionEOF)
            {
                Read(consumer, unprocessed, result);
            }
        }
    }

    /// <summary>
    /// Adds a message to <paramref name="unprocessed"/>, and reports the offsets before it that the broker removed
    /// before they were read (<see cref="ReadPositions"/>): their messages are gone, so they are logged here, and
    /// counted and recorded as a dead letter with the message's batch.
    /// </summary>
    private void Read(IConsumer<byte[]?, byte[]?> consumer, UnprocessedInput unprocessed, ConsumeResult<byte[]?, byte[]?> result)
    {
        if (unprocessed.Add(result, partition => LogStart(consumer, partition), partition => ResumeOffset(consumer, partition)) is { } lost)
        {
            logger.LogError("Offsets {First} to {Last} of {Topic} [{Partition}] ({Count}) were removed by the broker before the ingest read them (retention, or the log's start moved): their messages are lost. Reading on from offset {Next}; dead letter '{Reason}' records them",
                lost.First, lost.Last, lost.Partition.Topic, lost.Partition.Partition.Value, lost.Count, result.Offset.Value, DeadLetterReasons.OffsetsLost);
        }
    }

    /// <summary>The partition's log start from the consumer's last fetch, without asking the broker; null when unknown.</summary>
    private static long? LogStart(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
        => consumer.GetWatermarkOffsets(partition).Low is { IsSpecial: false } start ? start.Value : null;

    /// <summary>
    /// Where this ingest's reading of the partition resumes, as far as offsets lost before it go: the group's committed
    /// offset, or past what this ingest finished already where that is further. A commit that did not reach the group (the
    /// embedded Kafka rejects every commit while its group rebalances; a coordinator moving; brokers down) leaves the
    /// group's offset behind the messages this ingest processed: once retention removed those, an assignment or a restart
    /// reported them as removed before they were read. Null when the group has none, or the broker did not say (then no
    /// loss is reported).
    /// </summary>
    private long? ResumeOffset(IConsumer<byte[]?, byte[]?> consumer, TopicPartition partition)
    {
        long? committed;
        try
        {
            committed = consumer.Committed([partition], CommittedQueryTimeout).Single().Offset is { IsSpecial: false } offset ? offset.Value : null;
        }
        catch (KafkaException e)
        {
            logger.LogWarning("The committed offset of {Partition} was not read ({Reason}): offsets removed before the ingest read them are not reported for this assignment", partition, e.Error.Reason);
            return null;
        }
        return committed is { } value && _finished.TryGetValue(partition, out var finished) ? Math.Max(value, finished) : committed;
    }

    /// <summary>
    /// The next message or event, or null when none came within <paramref name="timeout"/>. A consumer error that is not
    /// fatal (a fetch a broker failed, a subscribed topic that does not exist yet) is a warning, logged as librdkafka's
    /// own errors are (once a minute), and the loop reads on while librdkafka retries: as a failure it restarted the
    /// consumer (messages read but not yet in a batch were read again, the group rejoined, a missing topic kept every
    /// other one from being read). Only a fatal error ends the session.
    /// </summary>
    private ConsumeResult<byte[]?, byte[]?>? Next(IConsumer<byte[]?, byte[]?> consumer, TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            _kafkaLog.OnConsumeError(consumer.Name, e);
            return null;
        }
    }

    /// <summary>Whether the loop may not start a batch now: every slot taken, a silo's scoring queue full, or the group rebalancing.</summary>
    private bool MustWait(List<Task> inFlight) => inFlight.Count >= _options.MaxInFlightBatches || gateway.Busy || _groupRebalancing;

    /// <summary>
    /// Backpressure, and a rebalance let finish: pauses the assigned partitions until a batch may start
    /// (<see cref="MustWait"/>). Polling goes on meanwhile, so rebalances are served and the consumer stays in its group;
    /// anything already fetched is carried into the next batch. While only the slots are full, the loop first waits up
    /// to <see cref="PauseAfter"/> for one to free without pausing (the usual case: batches in flight finish in turn);
    /// a silo that reports its queue full, or a rebalance, pauses at once. While the group rebalances, the finished
    /// batches' offsets are offered again at each poll: a commit that succeeds ends the wait as an assignment does.
    /// </summary>
    private void WaitToStartBatch(IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, List<Task> inFlight, UnprocessedInput unprocessed)
    {
        var pauseAt = DateTime.UtcNow + PauseAfter;
        while (inFlight.Count >= _options.MaxInFlightBatches && !gateway.Busy && !_groupRebalancing && pauseAt - DateTime.UtcNow is var remaining
            && remaining > TimeSpan.Zero && !_stopping.IsCancellationRequested)
        {
            Task.WaitAny([.. inFlight], remaining < PausedPoll ? remaining : PausedPoll);
            RemoveFinished(inFlight);
        }
        if (!MustWait(inFlight) || _stopping.IsCancellationRequested)
        {
            return;
        }
        if (!_groupRebalancing)
        {
            metrics.Paused();
            logger.LogDebug("Scoring is behind ({Batches} batches in flight): pausing partitions", inFlight.Count);
        }
        // librdkafka keeps a partition paused through an unassign and a later assign: resuming only what is assigned
        // at the end missed a partition lost while paused and assigned again after it (the brokers down longer than
        // the session), which then was never fetched again. So every partition paused here is resumed.
        var paused = new HashSet<TopicPartition>();
        try
        {
            while (MustWait(inFlight) && !_stopping.IsCancellationRequested)
            {
                // Again each time: a rebalance in between may assign partitions this pause has not paused yet.
                var assignment = consumer.Assignment;
                consumer.Pause(assignment);
                paused.UnionWith(assignment);
                // With no batch in flight to wait on, the poll waits (and serves the rebalance as soon as it comes).
                if (Next(consumer, inFlight.Count == 0 ? PausedPoll : TimeSpan.Zero) is { IsPartitionEOF: false } result)
                {
                    Read(consumer, unprocessed, result);
                }
                // The backlog grows while paused: what a stalled stream shows.
                ReportLagWhenDue(consumer, tracker, unprocessed, paused: true);
                if (inFlight.Count > 0)
                {
                    Task.WaitAny([.. inFlight], PausedPoll);
                }
                RemoveFinished(inFlight);
                if (_groupRebalancing)
                {
                    Commit(consumer, tracker, tracker.Committable());
                }
            }
        }
        finally
        {
            consumer.Resume(paused);
            logger.LogDebug("Resumed partitions {Partitions} (assigned now: {Assignment})", string.Join(", ", paused), string.Join(", ", consumer.Assignment));
        }
    }

    /// <summary>Drops finished batches; a failed one ends the session (its offsets are never committed).</summary>
    private static void RemoveFinished(List<Task> inFlight)
    {
        if (inFlight.FirstOrDefault(t => t.IsFaulted || t.IsCanceled) is { } failed)
        {
            failed.GetAwaiter().GetResult();
        }
        inFlight.RemoveAll(t => t.IsCompletedSuccessfully);
    }

    /// <summary>Waits for the in-flight batches up to the drain timeout; false when some did not finish.</summary>
    private bool Drain(List<Task> inFlight)
    {
        try
        {
            return Task.WhenAll(inFlight).Wait(_options.DrainTimeout);
        }
        catch (AggregateException)
        {
            // A failed batch is not committed; the rest finished and may be.
            return true;
        }
    }

    /// <summary>Commits <paramref name="offsets"/>; false when the group did not take them.</summary>
    private bool Commit(IConsumer<byte[]?, byte[]?> consumer, OffsetTracker tracker, List<TopicPartitionOffset> offsets)
    {
        if (offsets.Count == 0)
        {
            return true;
        }
        foreach (var offset in offsets)
        {
            _finished[offset.TopicPartition] = Math.Max(_finished.GetValueOrDefault(offset.TopicPartition), offset.Offset.Value);
        }
        try
        {
            consumer.Commit(offsets);
            tracker.Committed(offsets);
            _groupRebalancing = false;
            return true;
        }
        catch (KafkaException e) when (e.Error.Code == ErrorCode.RebalanceInProgress)
        {
            // Once per rebalance: the loop offers the offsets again at every poll until it is over.
            if (!_groupRebalancing)
            {
                logger.LogWarning("Committing offsets failed: the consumer group is rebalancing ({Reason}). No new batch starts until the rebalance has assigned the partitions; what finished is committed then, or read again by the partitions' next owner",
                    e.Error.Reason);
            }
            _groupRebalancing = true;
            return false;
        }
        catch (KafkaException e)
        {
            // Offered again with the next commit; until then a restart would only repeat work, not lose it.
            logger.LogWarning("Committing offsets failed: {Reason}", e.Error.Reason);
            return false;
        }
    }
}
