using System.Diagnostics;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>Traces of the pipeline: one activity per batch, whose context every published match carries as W3C headers.</summary>
public static class IngestTracing
{
    public const string SourceName = "StreamAttention.Ingest";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    public static readonly ActivitySource Source = new(SourceName);
}
