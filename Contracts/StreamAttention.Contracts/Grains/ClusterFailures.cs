using Orleans.Runtime.Messaging;

namespace StreamAttention.Contracts.Grains;

/// <summary>How a caller of a grain tells the cluster's failure from the grain's own.</summary>
public static class ClusterFailures
{
    /// <summary>
    /// The call did not reach the grain or its answer did not come back (a timeout, a silo lost or refusing messages, a
    /// broken connection): not the grain's fault, and a later try may reach it. Anything else the grain threw, including
    /// an activation that failed (Orleans wraps that in a plain <see cref="OrleansException"/>).
    /// </summary>
    public static bool IsUnavailable(Exception e)
        => e is TimeoutException or OrleansMessageRejectionException or ConnectionFailedException or Orleans.Networking.Shared.SocketConnectionException;
}
