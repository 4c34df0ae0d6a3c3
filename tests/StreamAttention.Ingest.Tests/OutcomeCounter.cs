using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Ingest.Pipeline;

namespace StreamAttention.Ingest.Tests;

/// <summary>Sums the message outcome counter of one ingest host, by outcome and dead-letter reason.</summary>
public sealed class OutcomeCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new();

    public OutcomeCounter(IHost host)
    {
        var meter = host.Services.GetRequiredService<IngestMetrics>().Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter) && instrument.Name == "streamattention.ingest.messages")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
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

    public void Dispose() => _listener.Dispose();
}
