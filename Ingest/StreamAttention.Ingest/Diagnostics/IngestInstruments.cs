using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>
/// Instruments of the ingest pipeline on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>. Every consumed message is counted once per time it is
/// processed, by outcome: <c>matched</c>, <c>no_match</c> or <c>dead_lettered</c> (with its <c>reason</c>), so nothing
/// leaves the pipeline unseen. A message processed again after a restart is counted again.
/// </summary>
public sealed class IngestInstruments
{
    public const string Matched = "matched";
    public const string NoMatch = "no_match";
    public const string DeadLettered = "dead_lettered";

    /// <summary>Not scored, and nothing written for it; tagged with a reason, <see cref="UserErased"/>.</summary>
    public const string Skipped = "skipped";

    /// <summary>A replayed dead letter's user was erased since it was written (<see cref="Pipeline.ScoringGatewayClient"/>).</summary>
    public const string UserErased = "user-erased";

    private readonly Counter<long> _messages;
    private readonly Counter<long> _matches;
    private readonly Counter<long> _erasedMatches;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _pauses;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _messagesLost;
    private readonly Histogram<double> _latency;
    private long _consumerLag;

    public IngestInstruments(IMeterFactory meters)
    {
        var meter = Meter = meters.Create(InstrumentNames.Meter);
        _messages = meter.CreateCounter<long>(InstrumentNames.IngestMessages, "{message}",
            "Messages whose outcome the broker acknowledged, tagged outcome=matched|no_match|dead_lettered|skipped and, for dead letters and skipped ones, reason");
        _matches = meter.CreateCounter<long>(InstrumentNames.IngestMatches, "{match}", "Matches published to the output topic and acknowledged");
        _erasedMatches = meter.CreateCounter<long>(InstrumentNames.IngestErasedMatches, "{match}",
            "Matches not published, and decision-failed dead letters not written, because their user was erased after their batch's scoring started, before its turn to be produced");
        _batchSize = meter.CreateHistogram<int>(InstrumentNames.IngestBatchSize, "{message}", "Messages per consumed batch");
        // Exported at 0 from the start, every dead-letter reason too: the alerts and the dashboard take their increase.
        _pauses = meter.CreateCounterFromZero(InstrumentNames.IngestPauses, "{pause}", "Times the consumer paused its partitions because scoring fell behind");
        _restarts = meter.CreateCounterFromZero(InstrumentNames.IngestRestarts, "{restart}",
            "Consumer restarts from the committed offsets after a batch failed (e.g. scoring unavailable past the retry timeout) or a fatal consumer error");
        _deadLetters = meter.CreateCounterFromZero(InstrumentNames.IngestDeadLetters, "{message}",
            "Dead letters acknowledged, tagged reason: one per message, or one per message and user for decision-failed", "reason", DeadLetterReasons.All);
        _messagesLost = meter.CreateCounter<long>(InstrumentNames.IngestMessagesLost, "{message}",
            "Messages removed by the broker (retention) before the ingest read them, counted by offset once their offsets-lost dead letter was acknowledged, tagged topic and partition");
        _latency = meter.CreateHistogram<double>(InstrumentNames.IngestLatency, "ms",
            "From a matched message's Kafka timestamp until the broker acknowledged its matches");
        meter.CreateObservableGauge(InstrumentNames.IngestConsumerLag, () => Volatile.Read(ref _consumerLag), "{message}",
            "Messages of the assigned partitions not processed yet: from the first one not processed (read into a batch or not) to the log's end");
    }

    /// <summary>This pipeline's meter: hosts sharing a process (tests) each have their own.</summary>
    public Meter Meter { get; }

    public void Outcome(string outcome, string? reason = null)
    {
        if (outcome == DeadLettered)
        {
            _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
        if (reason is null)
        {
            _messages.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
        else
        {
            _messages.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void MatchesPublished(int count) => _matches.Add(count);

    /// <summary>Counted once the batch's other outputs were acknowledged, as its published matches are.</summary>
    public void ErasedMatchesDropped(int count) => _erasedMatches.Add(count);

    /// <summary>
    /// Offsets the broker removed before they were read, recorded by one <see cref="DeadLetterReasons.OffsetsLost"/>
    /// dead letter: no message outcome, as there is no message. Tagged with their topic and partition, which the
    /// retention to look at and the dead letter's headers name.
    /// </summary>
    public void OffsetsLost(LostOffsets lost)
    {
        _messagesLost.Add(lost.Count, new KeyValuePair<string, object?>("topic", lost.Partition.Topic), new KeyValuePair<string, object?>("partition", lost.Partition.Partition.Value));
        _deadLetters.Add(1, new KeyValuePair<string, object?>("reason", DeadLetterReasons.OffsetsLost));
    }

    /// <summary>
    /// A message's copies dead-lettered one per user (<see cref="DeadLetterReasons.DecisionFailed"/>,
    /// <see cref="DeadLetterReasons.NoTenantTopic"/>); its outcome is counted apart.
    /// </summary>
    public void DeadLetteredForUsers(string reason, int users)
    {
        if (users > 0)
        {
            _deadLetters.Add(users, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>End-to-end latency of one matched message, from its Kafka timestamp (producer create time by default).</summary>
    public void MatchedLatency(DateTime messageTimestampUtc) => _latency.Record((DateTime.UtcNow - messageTimestampUtc).TotalMilliseconds);

    public void ConsumerLag(long messages) => Volatile.Write(ref _consumerLag, messages);

    public void Batch(int size) => _batchSize.Record(size);

    public void Paused() => _pauses.Add(1);

    public void Restarted() => _restarts.Add(1);
}
