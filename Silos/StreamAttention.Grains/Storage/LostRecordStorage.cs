using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The Redis grain storage, made to survive a Redis that lost its data while the silos ran (restarted without
/// persistence, a failover to an empty replica). Orleans' Redis storage refuses a write whose record vanished since the
/// grain read it (its etag no longer matches: <see cref="InconsistentStateException"/>), so every active grain's next
/// write failed, the user's write a 500, and a shard's membership kept failing with it. Such a write is made again as
/// a first write, and so stores what the grain holds in memory (a user's interests, a shard's members); a record that
/// still exists (another activation wrote it) keeps the refusal.
/// </summary>
internal sealed partial class LostRecordStorage(IGrainStorage redis, ILogger<LostRecordStorage> logger) : IGrainStorage
{
    private int _lossLogged;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => redis.ReadStateAsync(stateName, grainId, grainState);

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await redis.ClearStateAsync(stateName, grainId, grainState);
        }
        catch (InconsistentStateException) when (grainState.ETag is not null)
        {
            // Gone already (an erasure after the loss): what the clear was for.
            if (!await GoneAsync(stateName, grainId, grainState))
            {
                throw;
            }
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await redis.WriteStateAsync(stateName, grainId, grainState);
        }
        catch (InconsistentStateException) when (grainState.ETag is not null)
        {
            if (!await GoneAsync(stateName, grainId, grainState))
            {
                throw;
            }
            await redis.WriteStateAsync(stateName, grainId, grainState);
        }
    }

    /// <summary>
    /// Whether the record the storage refused a change of no longer exists; if so, says so and makes
    /// <paramref name="grainState"/> one of a record never written (no etag), which Orleans writes or clears as such.
    /// </summary>
    private async Task<bool> GoneAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = new GrainState<T>();
        await redis.ReadStateAsync(stateName, grainId, stored);
        if (stored.RecordExists)
        {
            return false;
        }
        if (Interlocked.Exchange(ref _lossLogged, 1) == 0)
        {
            LogFirstRecordLost(grainId, stateName);
        }
        else
        {
            LogRecordLost(grainId, stateName);
        }
        (grainState.ETag, grainState.RecordExists) = (null, false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The record {State} of {Grain} is gone from Redis since the grain read it: Redis lost its data "
        + "(restarted without persistence, or a failover to an empty replica). What active grains hold is written again as they write; "
        + "the rest is lost (Deploy/README.md, \"When Redis loses its data\"). Further records found gone are logged at Information")]
    private partial void LogFirstRecordLost(GrainId grain, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "The record {State} of {Grain} was gone from Redis; written again from the grain's memory")]
    private partial void LogRecordLost(GrainId grain, string state);
}
