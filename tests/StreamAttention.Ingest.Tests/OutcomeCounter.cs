using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Ingest.Diagnostics;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// Sums the message outcome counter of one ingest host, by outcome and dead-letter reason; also its dead-letter counter
/// by reason, how many end-to-end latencies it recorded, its pauses, restarts, messages lost and matches of erased users
/// dropped, the records of the match topic, and its consumer lag gauge; and the messages, matches, dead letters and
/// latencies by their tenant tag.
/// </summary>
public sealed class OutcomeCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();
    private readonly ConcurrentDictionary<string, long> _deadLetters = new();
    private readonly ConcurrentDictionary<string, long> _messagesLostByPartition = new();
    private readonly ConcurrentDictionary<(string Instrument, string? Kind, string? Tenant), long> _byTenant = new();
    private long _latencyRecords;
    private long _pauses;
    private long _restarts;
    private long _messagesLost;
    private long _erasedMatches;
    private long _matchRecords;
    private long _consumerLag;

    public OutcomeCounter(IHost host)
    {
        var meter = host.Services.GetRequiredService<IngestInstruments>().Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name is InstrumentNames.IngestMessages or InstrumentNames.IngestDeadLetters or InstrumentNames.IngestLatency
                or InstrumentNames.IngestPauses or InstrumentNames.IngestRestarts or InstrumentNames.IngestConsumerLag or InstrumentNames.IngestMessagesLost
                or InstrumentNames.IngestErasedMatches or InstrumentNames.IngestMatches or InstrumentNames.IngestMatchRecords)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) =>
        {
            Interlocked.Increment(ref _latencyRecords);
            CountByTenant(instrument, 1, tags);
        });
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == InstrumentNames.IngestConsumerLag)
            {
                Interlocked.Exchange(ref _consumerLag, value);
                return;
            }
            if (instrument.Name == InstrumentNames.IngestPauses)
            {
                Interlocked.Add(ref _pauses, value);
                return;
            }
            if (instrument.Name == InstrumentNames.IngestMessagesLost)
            {
                Interlocked.Add(ref _messagesLost, value);
                _messagesLostByPartition.AddOrUpdate(PartitionOf(tags), value, (_, sum) => sum + value);
                return;
            }
            if (instrument.Name == InstrumentNames.IngestErasedMatches)
            {
                Interlocked.Add(ref _erasedMatches, value);
                return;
            }
            if (instrument.Name == InstrumentNames.IngestMatchRecords)
            {
                Interlocked.Add(ref _matchRecords, value);
                return;
            }
            if (instrument.Name == InstrumentNames.IngestRestarts)
            {
                Interlocked.Add(ref _restarts, value);
                return;
            }
            CountByTenant(instrument, value, tags);
            if (instrument.Name == InstrumentNames.IngestMatches)
            {
                return;
            }
            if (instrument.Name == InstrumentNames.IngestDeadLetters)
            {
                _deadLetters.AddOrUpdate((string)tags[0].Value!, value, (_, sum) => sum + value);
                return;
            }
            string? outcome = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcome = (string?)tag.Value;
                }
                else if (tag.Key == "reason")
                {
                    reason = (string?)tag.Value;
                }
            }
            _counts.AddOrUpdate(reason is null ? outcome! : $"{outcome}:{reason}", value, (_, sum) => sum + value);
        });
        _listener.Start();
    }

    public long this[string key] => _counts.GetValueOrDefault(key);

    public long Total => _counts.Values.Sum();

    public long DeadLetters(string reason) => _deadLetters.GetValueOrDefault(reason);

    public long LatencyRecords => Interlocked.Read(ref _latencyRecords);

    public long Pauses => Interlocked.Read(ref _pauses);

    /// <summary>The consumer lag gauge, read now.</summary>
    public long ConsumerLag
    {
        get
        {
            _listener.RecordObservableInstruments();
            return Interlocked.Read(ref _consumerLag);
        }
    }

    public long Restarts => Interlocked.Read(ref _restarts);

    public long MessagesLost => Interlocked.Read(ref _messagesLost);

    /// <summary>Messages lost by the <c>topic</c> and <c>partition</c> tags, as <c>topic/partition</c> (<c>/</c> alone when untagged).</summary>
    public IReadOnlyDictionary<string, long> MessagesLostByPartition => _messagesLostByPartition;

    private static string PartitionOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        object? topic = null, partition = null;
        foreach (var tag in tags)
        {
            if (tag.Key == "topic")
            {
                topic = tag.Value;
            }
            else if (tag.Key == "partition")
            {
                partition = tag.Value;
            }
        }
        return $"{topic}/{partition}";
    }

    /// <summary>
    /// What <paramref name="instrument"/> (messages, matches, dead letters, latency: its records) counted with the
    /// <c>tenant</c> tag <paramref name="tenant"/> and, for messages, the <c>outcome</c> <paramref name="kind"/>, for
    /// dead letters the <c>reason</c>; null: the instrument has neither.
    /// </summary>
    public long ByTenant(string instrument, string? kind, string tenant) => _byTenant.GetValueOrDefault((instrument, kind, tenant));

    private void CountByTenant(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        string? kind = null, tenant = null;
        foreach (var tag in tags)
        {
            if (tag.Key is "outcome" || (tag.Key is "reason" && instrument.Name == InstrumentNames.IngestDeadLetters))
            {
                kind = (string?)tag.Value;
            }
            else if (tag.Key == MeteredTenants.Tag)
            {
                tenant = (string?)tag.Value;
            }
        }
        _byTenant.AddOrUpdate((instrument.Name, kind, tenant), value, (_, sum) => sum + value);
    }

    public long ErasedMatches => Interlocked.Read(ref _erasedMatches);

    public long MatchRecords => Interlocked.Read(ref _matchRecords);

    public void Dispose() => _listener.Dispose();
}
