using Orleans.Runtime.Messaging;

namespace StreamAttention.Contracts.Grains;

/// <summary>How a caller of a grain tells the cluster's failure from the grain's own (and from its storage's).</summary>
public static class ClusterFailures
{
    /// <summary>
    /// The call did not reach the grain or its answer did not come back (a timeout, a silo lost or refusing messages, a
    /// broken connection): not the grain's fault, and a later try may reach it. Anything else the grain threw, including
    /// an activation that failed (Orleans wraps that in a plain <see cref="OrleansException"/>).
    /// </summary>
    public static bool IsUnavailable(Exception e)
        => e is TimeoutException or OrleansMessageRejectionException or ConnectionFailedException or Orleans.Networking.Shared.SocketConnectionException;

    /// <summary>
    /// A grain's storage did not answer (<see cref="StorageUnavailableException"/>, also where Orleans wrapped it, e.g. in a
    /// failed activation): transient, and the storage's failure, not the cluster's.
    /// </summary>
    public static bool IsStorageUnavailable(Exception? e)
        => e is not null && (e is StorageUnavailableException || IsStorageUnavailable(e.InnerException));
}
