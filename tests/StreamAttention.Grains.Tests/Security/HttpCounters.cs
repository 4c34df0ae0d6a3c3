using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// The HTTP side's tenant counters (<c>HttpInstruments</c>) as one host measured them, from before it starts: hosts
/// sharing the test process each have meters of their own name "StreamAttention" (a scrape of <c>/metrics</c> would
/// mix them and drops an instrument another host disposed), told apart by their meter's scope, the host's
/// <see cref="IMeterFactory"/>.
/// </summary>
public sealed class HttpCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(object? Scope, string Name, string Kind, string Tenant, long Value)> _measurements = new();

    public HttpCounters()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is InstrumentNames.HttpRefusedRequests or InstrumentNames.ImportLines)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        // Both counters' tags: the limit or outcome first, then the tenant.
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _measurements.Enqueue((instrument.Meter.Scope, instrument.Name, (string)tags[0].Value!, (string)tags[1].Value!, value)));
        _listener.Start();
    }

    /// <summary>Each series' total on the host of <paramref name="services"/>, by instrument name, first tag and tenant.</summary>
    public Dictionary<(string Name, string Kind, string Tenant), long> Totals(IServiceProvider services)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        return _measurements.Where(m => ReferenceEquals(m.Scope, meters)).GroupBy(m => (m.Name, m.Kind, m.Tenant)).ToDictionary(g => g.Key, g => g.Sum(m => m.Value));
    }

    public void Dispose() => _listener.Dispose();
}
