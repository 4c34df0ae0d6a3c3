using Orleans.Runtime.Messaging;
using StackExchange.Redis;

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

    /// <summary>Orleans' Redis grain storage's exception, named rather than referenced: its package brings the silo's runtime.</summary>
    private const string RedisStorageException = "Orleans.Persistence.Redis.RedisStorageException";

    /// <summary>
    /// A grain's storage (Redis) was unreachable or too slow: transient, and the storage's failure, not the cluster's.
    /// As a grain reports it (<see cref="StorageUnavailableException"/>), as StackExchange.Redis does (a caller that
    /// meets it before a silo's call filter named it: in a grain, or an activation that could not read its state), or as
    /// Orleans' Redis storage wraps that; also inside Orleans' own exceptions. Not Redis' own errors (a wrong password, a
    /// wrong type): retrying would not help.
    /// </summary>
    public static bool IsStorageUnavailable(Exception? e) => e switch
    {
        null => false,
        StorageUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        // Orleans' Redis storage writes the cause's type into its message and leaves the inner exception out.
        _ when e.GetType().FullName == RedisStorageException && (e.Message.Contains(nameof(RedisConnectionException), StringComparison.Ordinal)
            || e.Message.Contains(nameof(RedisTimeoutException), StringComparison.Ordinal)) => true,
        _ => IsStorageUnavailable(e.InnerException),
    };
}
