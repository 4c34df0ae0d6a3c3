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
        catch (Exception e) when (e is not StorageUnavailableException && IsRedisUnavailable(e))
        {
            throw Unavailable("The grain's call", e);
        }
    }

    /// <summary>System.IO.Pipelines' message for a read of a pipe whose reader was completed.</summary>
    private const string ReaderCompleted = "Reading is not allowed after reader was completed.";

    /// <summary>
    /// Whether <paramref name="e"/> says Redis did not answer: <see cref="ClusterFailures.IsStorageUnavailable"/>, or
    /// StackExchange.Redis's failure of a command out on a connection it tore down (its read loop then reads the pipe
    /// it completed, and a second connection failure hands that error to the commands still out, unwrapped): bare, as
    /// a direct use of Redis (the stored user keys, the epoch's script) gets it, or as text in Orleans'
    /// <see cref="RedisStorageException"/>. Only that error of the pipe StackExchange.Redis reads: any other
    /// <see cref="InvalidOperationException"/> is a fault to report. Not in <see cref="ClusterFailures"/>, which the
    /// HTTP side uses too: there the same pipe error can be Kestrel's, not Redis's.
    /// </summary>
    internal static bool IsRedisUnavailable(Exception e) => ClusterFailures.IsStorageUnavailable(e) || e switch
    {
        InvalidOperationException { Message: ReaderCompleted } => true,
        RedisStorageException => e.Message.Contains($"{typeof(InvalidOperationException).FullName}: {ReaderCompleted}", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// The exception for <paramref name="cause"/>, a Redis that did not answer <paramref name="what"/>. The cause is kept
    /// as text only: StackExchange.Redis's exceptions have no codec, and an inner one would fail the answer to a caller
    /// on another silo (a 500 at the API).
    /// </summary>
    public static StorageUnavailableException Unavailable(string what, Exception cause)
        => new($"{what} got no answer from its storage (Redis): {cause.GetType().Name}: {cause.Message}");
}
