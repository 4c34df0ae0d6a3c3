namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A silo's scoring queue is full: the request was not queued. Callers back off and retry, and the Kafka ingest pauses
/// its partitions meanwhile, so an overloaded silo slows the stream down instead of timing out its callers.
/// </summary>
[GenerateSerializer, Alias("StreamAttention.ScoringBusyException")]
public sealed class ScoringBusyException : Exception
{
    public ScoringBusyException()
    {
    }

    public ScoringBusyException(string message) : base(message)
    {
    }

    public ScoringBusyException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
