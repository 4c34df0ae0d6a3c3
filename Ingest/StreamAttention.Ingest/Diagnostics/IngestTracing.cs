using System.Diagnostics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>Traces of the pipeline: one activity per batch, whose context every published match carries as W3C headers.</summary>
public static class IngestTracing
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    public static readonly ActivitySource Source = new(InstrumentNames.IngestActivitySource);
}
