using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Testing;

/// <summary>
/// The one mapping from <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames"/> to the names Prometheus queries, as the OpenTelemetry Prometheus
/// exporter writes them: dots as underscores, the unit <c>ms</c> as <c>_milliseconds</c> (annotations such as
/// <c>{message}</c> add nothing), then <c>_total</c> for a counter and <c>_bucket</c>, <c>_sum</c>, <c>_count</c> for a histogram.
/// </summary>
public static class PrometheusNames
{
    private const string Milliseconds = "_milliseconds";

    public static string Counter(string instrument) => Base(instrument) + "_total";

    public static string Gauge(string instrument) => Base(instrument);

    public static string HistogramBucket(string instrument, bool milliseconds) => Base(instrument) + (milliseconds ? Milliseconds : "") + "_bucket";

    /// <summary>Every name a scrape can show for an instrument of the table, whatever its kind and unit.</summary>
    public static IReadOnlySet<string> All { get; } = InstrumentNames.All
        .SelectMany(name => new[] { Base(name), Base(name) + Milliseconds })
        .SelectMany(name => new[] { name, name + "_total", name + "_bucket", name + "_sum", name + "_count" })
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>The prefix every StreamAttention series has, to tell them from Orleans', ASP.NET Core's and the runtime's.</summary>
    public static string Prefix { get; } = Base(InstrumentNames.Meter.ToLowerInvariant()) + "_";

    private static string Base(string instrument) => instrument.Replace('.', '_');
}
