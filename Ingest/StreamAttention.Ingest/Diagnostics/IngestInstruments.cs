using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>
/// Instruments of the ingest pipeline on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>. Every consumed message is counted once per time it is
/// processed, by outcome: <c>matched</c>, <c>no_match</c> or <c>dead_lettered</c> (with its <c>reason</c>), so nothing
/// leaves the pipeline unseen. A message processed again after a restart is counted again. The per-message counters
/// (messages, matches, dead letters) and the latency carry the message's tenant as tag <c>tenant</c>, bounded by
/// <see cref="MeteredTenants"/>: the tenants <c>Ingest:Tenancy:Tenants</c> and <c>Topics</c> name, <c>(other)</c>,
/// <c>(none)</c>.
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
    private readonly Counter<long> _matchRecords;
    private readonly Counter<long> _erasedMatches;
    private readonly Histogram<int> _batchSize;
    private readonly Counter<long> _pauses;
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _deadLetters;
    private readonly Counter<long> _messagesLost;
    private readonly Histogram<double> _latency;
    private readonly IngestTenancyOptions _tenancy;
    private readonly MeteredTenants _tenants;
    private long _consumerLag;

    public IngestInstruments(IMeterFactory meters, IOptions<KafkaIngestOptions> options)
    {
        _tenancy = options.Value.Tenancy;
        _tenants = new MeteredTenants(_tenancy.NamedTenants);
        var meter = Meter = meters.Create(InstrumentNames.Meter);
        _messages = meter.CreateCounter<long>(InstrumentNames.IngestMessages, "{message}",
            "Messages whose outcome the broker acknowledged, tagged outcome=matched|no_match|dead_lettered|skipped, tenant and, for dead letters and skipped ones, reason");
        _matches = meter.CreateCounter<long>(InstrumentNames.IngestMatches, "{match}", "Matches published to the output topic and acknowledged, tagged with their message's tenant");
        // What the match topic carries, for sizing its brokers and consumers: with PerUserBatch no other counter tells it.
        _matchRecords = meter.CreateCounter<long>(InstrumentNames.IngestMatchRecords, "{record}",
            "Records published to the match topic and acknowledged: one a match with Output:MatchRecords=PerMatch, one a user and batch (or part of one, split at Output:MaxRecordBytes) with PerUserBatch");
        _erasedMatches = meter.CreateCounter<long>(InstrumentNames.IngestErasedMatches, "{match}",
            "Matches not published, and decision-failed dead letters not written, because their user was erased after their batch's scoring started, before its turn to be produced");
        _batchSize = meter.CreateHistogram<int>(InstrumentNames.IngestBatchSize, "{message}", "Messages per consumed batch");
        // Exported at 0 from the start, every dead-letter reason of every tenant tag too: the alerts and the dashboard take their increase.
        _pauses = meter.CreateCounterFromZero(InstrumentNames.IngestPauses, "{pause}", "Times the consumer paused its partitions because scoring fell behind");
        _restarts = meter.CreateCounterFromZero(InstrumentNames.IngestRestarts, "{restart}",
            "Consumer restarts from the committed offsets after a batch failed (e.g. scoring unavailable past the retry timeout) or a fatal consumer error");
        _deadLetters = meter.CreateCounterFromZero(InstrumentNames.IngestDeadLetters, "{message}",
            "Dead letters acknowledged, tagged reason and tenant: one per message, or one per message and user for decision-failed",
            DeadLetterReasons.All.SelectMany(reason => _tenants.Values.Select(tenant => DeadLetterTags(reason, tenant))));
        _messagesLost = meter.CreateCounter<long>(InstrumentNames.IngestMessagesLost, "{message}",
            "Messages removed by the broker (retention) before the ingest read them, counted by offset once their offsets-lost dead letter was acknowledged, tagged topic and partition");
        _latency = meter.CreateHistogram<double>(InstrumentNames.IngestLatency, "ms",
            "From a matched message's Kafka timestamp until the broker acknowledged its matches, tagged tenant");
        meter.CreateObservableGauge(InstrumentNames.IngestConsumerLag, () => Volatile.Read(ref _consumerLag), "{message}",
            "Messages of the assigned partitions not processed yet: from the first one not processed (read into a batch or not) to the log's end");
    }

    /// <summary>This pipeline's meter: hosts sharing a process (tests) each have their own.</summary>
    public Meter Meter { get; }

    /// <summary>
    /// The <c>tenant</c> tag of <paramref name="input"/>: its decoded message's tenant; for a message that could not be
    /// decoded, its topic's tenant (<c>Tenancy:Topics</c>) or else its tenant header's, as it names no other.
    /// </summary>
    public string TenantOf(ConsumeResult<byte[]?, byte[]?> input, IngestMessage? message)
        => _tenants.Of(message is not null ? message.Tenant : _tenancy.Topics.GetValueOrDefault(input.Topic) ?? HeaderTenant(input.Message.Headers));

    private string? HeaderTenant(Headers? headers)
        => _tenancy.Header is { } name && headers?.FirstOrDefault(h => h.Key == name) is { } header ? HeaderText.Of(header.GetValueBytes()) : null;

    /// <param name="tenant">The message's tag, <see cref="TenantOf"/>.</param>
    public void Outcome(string tenant, string outcome, string? reason = null)
    {
        var tenantTag = new KeyValuePair<string, object?>(MeteredTenants.Tag, tenant);
        if (outcome == DeadLettered)
        {
            _deadLetters.Add(1, DeadLetterTags(reason, tenant));
        }
        if (reason is null)
        {
            _messages.Add(1, new KeyValuePair<string, object?>("outcome", outcome), tenantTag);
        }
        else
        {
            _messages.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason), tenantTag);
        }
    }

    public void MatchesPublished(string tenant, int count) => _matches.Add(count, new KeyValuePair<string, object?>(MeteredTenants.Tag, tenant));

    /// <summary>Counted once the batch's outputs were acknowledged, as its published matches are.</summary>
    public void MatchRecordsPublished(int count) => _matchRecords.Add(count);

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
        _deadLetters.Add(1, DeadLetterTags(DeadLetterReasons.OffsetsLost, _tenants.Of(_tenancy.Topics.GetValueOrDefault(lost.Partition.Topic))));
    }

    /// <summary>
    /// A message's copies dead-lettered one per user (<see cref="DeadLetterReasons.DecisionFailed"/>,
    /// <see cref="DeadLetterReasons.NoTenantTopic"/>); its outcome is counted apart.
    /// </summary>
    public void DeadLetteredForUsers(string tenant, string reason, int users)
    {
        if (users > 0)
        {
            _deadLetters.Add(users, DeadLetterTags(reason, tenant));
        }
    }

    /// <summary>The reason first: dashboards and tests read it as the dead-letter counter's first tag.</summary>
    private static KeyValuePair<string, object?>[] DeadLetterTags(string? reason, string tenant)
        => [new("reason", reason), new(MeteredTenants.Tag, tenant)];

    /// <summary>End-to-end latency of one matched message, from its Kafka timestamp (producer create time by default).</summary>
    public void MatchedLatency(string tenant, DateTime messageTimestampUtc)
        => _latency.Record((DateTime.UtcNow - messageTimestampUtc).TotalMilliseconds, new KeyValuePair<string, object?>(MeteredTenants.Tag, tenant));

    public void ConsumerLag(long messages) => Volatile.Write(ref _consumerLag, messages);

    public void Batch(int size) => _batchSize.Record(size);

    public void Paused() => _pauses.Add(1);

    public void Restarted() => _restarts.Add(1);
}
