using Orleans.Persistence.Redis;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// A grain call that failed because Redis did not answer (unreachable, or slower than its timeout) fails with
/// <see cref="StorageUnavailableException"/>, which every caller can name. Without it the caller saw the storage
/// client's error: Orleans' <see cref="RedisStorageException"/>, which keeps the cause only as text (a 500 at the API),
/// or a bare <see cref="RedisTimeoutException"/>, a <see cref="TimeoutException"/> taken for the cluster's failure.
/// </summary>
internal sealed class StorageOutageCallFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (e is not StorageUnavailableException && StorageOutages.Is(e))
        {
            throw new StorageUnavailableException($"The grain's storage did not answer: {e.Message}", e);
        }
    }
}

/// <summary>Redis unreachable or too slow for the grains' storage: transient, and the storage's failure, not the cluster's.</summary>
public static class StorageOutages
{
    /// <summary>
    /// As a grain reports it (<see cref="ClusterFailures.IsStorageUnavailable"/>), as StackExchange.Redis does, or as
    /// Orleans' Redis storage wraps that, also inside Orleans' own exceptions (a grain whose activation could not read its state).
    /// Not Redis' own errors (a wrong password, a wrong type): retrying would not help.
    /// </summary>
    public static bool Is(Exception? e) => e switch
    {
        null => false,
        StorageUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        // Orleans' Redis storage writes the cause's type into its message and leaves the inner exception out.
        RedisStorageException storage when storage.Message.Contains(nameof(RedisConnectionException), StringComparison.Ordinal)
            || storage.Message.Contains(nameof(RedisTimeoutException), StringComparison.Ordinal) => true,
        _ => Is(e.InnerException),
    };
}
