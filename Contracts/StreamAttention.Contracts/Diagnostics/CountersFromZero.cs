using System.Diagnostics.Metrics;

namespace StreamAttention.Contracts.Diagnostics;

/// <summary>
/// Counters whose every series exists at 0 from the moment they are created: an alert or a panel on a counter's
/// increase sees its first count only then (Prometheus takes a series' first sample as its start, not as an increase).
/// </summary>
public static class CountersFromZero
{
    /// <summary>A counter without tags, at 0.</summary>
    public static Counter<long> CreateCounterFromZero(this Meter meter, string name, string unit, string description)
    {
        var counter = meter.CreateCounter<long>(name, unit, description);
        counter.Add(0);
        return counter;
    }

    /// <summary>A counter tagged <paramref name="tag"/>, at 0 for each of the values it takes, <paramref name="values"/>.</summary>
    public static Counter<long> CreateCounterFromZero(this Meter meter, string name, string unit, string description, string tag, IEnumerable<string> values)
        => meter.CreateCounterFromZero(name, unit, description, values.Select(value => new[] { new KeyValuePair<string, object?>(tag, value) }));

    /// <summary>A counter at 0 for each of the tag sets it takes, <paramref name="series"/>.</summary>
    public static Counter<long> CreateCounterFromZero(this Meter meter, string name, string unit, string description, IEnumerable<KeyValuePair<string, object?>[]> series)
    {
        var counter = meter.CreateCounter<long>(name, unit, description);
        foreach (var tags in series)
        {
            counter.Add(0, tags);
        }
        return counter;
    }
}
