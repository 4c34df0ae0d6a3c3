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
        catch (Exception e) when (e is not StorageUnavailableException && ClusterFailures.IsStorageUnavailable(e))
        {
            throw Unavailable("The grain's call", e);
        }
    }

    /// <summary>
    /// The exception for <paramref name="cause"/>, a Redis that did not answer <paramref name="what"/>. The cause is kept
    /// as text only: StackExchange.Redis's exceptions have no codec, and an inner one would fail the answer to a caller
    /// on another silo (a 500 at the API).
    /// </summary>
    public static StorageUnavailableException Unavailable(string what, Exception cause)
        => new($"{what} got no answer from its storage (Redis): {cause.GetType().Name}: {cause.Message}");
}
