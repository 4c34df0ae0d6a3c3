namespace StreamAttention.Contracts.Grains;

/// <summary>
/// A grain's storage (Redis) did not answer: unreachable or too slow. Transient like the cluster's unavailability, but
/// not the cluster's failure: the silos answered, and the grain could not read or write its state. Silos throw it in
/// place of the storage client's own error, so that callers (the API, the ingest, the gateway's decisions) can name it.
/// </summary>
[GenerateSerializer, Alias("StreamAttention.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
