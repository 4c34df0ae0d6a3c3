using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The Redis grain storage, made to survive a Redis that lost its data while the silos ran (restarted without
/// persistence, a failover to an empty replica). Orleans' Redis storage refuses a write or clear whose record vanished
/// since the grain read it (its etag no longer matches: <see cref="InconsistentStateException"/>), so every active
/// grain's next write failed, the user's write a 500. Such a change is made again as one of a record never written, and
/// so stores what the grain holds in memory (a user's interests, a shard's members) — but only when Redis lost its data:
/// a record deleted on purpose (a user's erasure by another activation of the grain, while silos fail or the directory
/// is split) keeps the refusal, or a stale activation would write an erased user's interests back.
/// <para>
/// The two are told apart by Redis's epoch: a random value under <c>{ServiceId}/state-epoch</c>, created by whichever
/// call finds it missing (atomically, so all silos agree on it). A loss takes it with the records, and the next call
/// creates a new one. The epoch read just before a record's read (or first write) is kept beside the etag the grain got
/// (keyed by that etag's string, held as long as the grain holds it: the attention log keeps its entries' etags apart
/// from their states), and a vanished record is written again only when the epoch is now another one.
/// </para>
/// <para>
/// Guaranteed: a record deleted while Redis kept its data since the activation read (or first wrote) it is never
/// written back by that activation's stale etag, whatever silo created the epoch after a loss and whenever. Not
/// guaranteed: a deletion and a loss both after that read (in either order) look like a loss alone, and the record is
/// written back. An activation that moves to another silo carries its etag's epoch (<see cref="IRecordEpochs"/>: the
/// shards do, the only grains that move); an etag whose epoch this silo was not given keeps the refusal, as before.
/// Etags are what Orleans' storage makes, so silos of other builds read them unchanged.
/// </para>
/// <para>
/// What Redis lost beside a record is not written again by its write (a user's shard membership, its reminders, a
/// tenant's other buckets of counts): the grains of the types given (<paramref name="writtenAgainAskedBy"/>, the users and
/// the tenants) whose record a write stored again are kept (<see cref="IKnowsRecordsWrittenAgain"/>) until they
/// <see cref="Forget"/> it, for the grain to store those again too. No other grain is kept: a shard's record is all it
/// stores.
/// </para>
/// <para>
/// A Redis that did not answer (unreachable, or slower than its timeout) fails the read, write or clear with
/// <see cref="StorageUnavailableException"/>, which every caller can name and deserialize. Without it, an activation
/// whose state read timed out failed with StackExchange.Redis's exception, which a caller on another silo (the API's)
/// could not be sent (no codec for it): a 500. The silo's call filter (<see cref="StorageOutageCallFilter"/>) does not
/// see an activation's read; it still names the failures of Redis's other uses in grain calls (reminders, the stored
/// user keys). Both also name a call StackExchange.Redis failed with the pipe's "Reading is not allowed after reader
/// was completed": its connection, torn down after Redis stopped answering (paused), failed the commands still out
/// with that error rather than its own connection exception (<see cref="StorageOutageCallFilter.IsRedisUnavailable"/>).
/// </para>
/// <para>
/// Each read, write and clear is counted out while it runs (<see cref="StorageCalls"/>): a user whose decision is past
/// its deadline while it waits here is held by a slow Redis, not hung on its own.
/// </para>
/// </summary>
/// <param name="writtenAgainAskedBy">The grain types that ask <see cref="WroteAgain"/> after their writes.</param>
internal sealed partial class LostRecordStorage(IGrainStorage redis, RedisStorageConnection connection, IOptions<ClusterOptions> cluster,
    IReadOnlySet<GrainType> writtenAgainAskedBy, StorageCalls calls, ILogger<LostRecordStorage> logger)
    : IGrainStorage, IRecordEpochs, IKnowsRecordsWrittenAgain
{
    /// <summary>Reads the epoch, creating it when missing (never written, or lost with the rest of the data).</summary>
    private const string EpochScript = """
        local epoch = redis.call('GET', KEYS[1])
        if not epoch then
          epoch = ARGV[1]
          redis.call('SET', KEYS[1], epoch)
        end
        return epoch
        """;

    private readonly RedisKey _epochKey = $"{cluster.Value.ServiceId}/state-epoch";

    /// <summary>The epoch of the last loss logged as an error: each loss is logged once as such, its other records at Information.</summary>
    private string? _lossLogged;

    /// <summary>The epoch before each etag's record was read or first written, by the etag's string.</summary>
    private readonly ConditionalWeakTable<string, string> _epochs = new();

    /// <summary>
    /// The grains of <c>writtenAgainAskedBy</c> whose record a write stored again, until they <see cref="Forget"/> it:
    /// filled only after a loss, by the grains active then.
    /// </summary>
    private readonly ConcurrentDictionary<GrainId, bool> _wroteAgain = new();

    public bool WroteAgain(GrainId grainId) => _wroteAgain.ContainsKey(grainId);

    public void Forget(GrainId grainId) => _wroteAgain.TryRemove(grainId, out _);

    public string? EpochOf(string etag) => _epochs.TryGetValue(etag, out var epoch) ? epoch : null;

    // An epoch this silo read for the etag is the newer: the record was read here after the other silo's read.
    public void RememberEpoch(string etag, string epoch) => _epochs.TryAdd(etag, epoch);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => NamingOutagesAsync("read", stateName, grainId, () => RememberingEpochAsync(grainState, () => redis.ReadStateAsync(stateName, grainId, grainState)));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => NamingOutagesAsync("write", stateName, grainId, async () =>
        {
            if (await ChangeAsync(stateName, grainId, grainState, () => redis.WriteStateAsync(stateName, grainId, grainState))
                && writtenAgainAskedBy.Contains(grainId.Type))
            {
                _wroteAgain[grainId] = true;
            }
        });

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        => NamingOutagesAsync("clear", stateName, grainId, () => ChangeAsync(stateName, grainId, grainState, () => redis.ClearStateAsync(stateName, grainId, grainState)));

    /// <summary>
    /// The storage call, counted out while it runs, its failure for a Redis that did not answer thrown as
    /// <see cref="StorageUnavailableException"/>.
    /// </summary>
    private async Task NamingOutagesAsync(string operation, string stateName, GrainId grainId, Func<Task> call)
    {
        try
        {
            await calls.RunAsync(grainId, call);
        }
        catch (Exception e) when (e is not StorageUnavailableException && StorageOutageCallFilter.IsRedisUnavailable(e))
        {
            throw StorageOutageCallFilter.Unavailable($"The {operation} of the record {stateName} of {grainId}", e);
        }
    }

    /// <summary>Makes the change; true when it stored again a record Redis lost.</summary>
    private async Task<bool> ChangeAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, Func<Task> change)
    {
        if (grainState.ETag is null)
        {
            await RememberingEpochAsync(grainState, change);
            return false;
        }
        var epoch = EpochOf(grainState.ETag);
        var lost = false;
        try
        {
            await change();
        }
        catch (InconsistentStateException)
        {
            epoch = await LossSinceAsync<T>(stateName, grainId, epoch);
            if (epoch is null)
            {
                throw;
            }
            (grainState.ETag, grainState.RecordExists) = (null, false);
            await change();
            lost = true;
        }
        Remember(grainState.ETag, epoch);
        return lost;
    }

    /// <summary>A read or a first write, with the epoch before it kept beside the etag it leaves.</summary>
    private async Task RememberingEpochAsync<T>(IGrainState<T> grainState, Func<Task> call)
    {
        // Sent first on the shared connection, so that Redis reads the epoch before the record.
        var epoch = EpochAsync();
        await Task.WhenAll(call(), epoch);
        Remember(grainState.ETag, await epoch);
    }

    /// <summary>
    /// The epoch now, if the record the storage refused a change of is gone and Redis lost its data since
    /// <paramref name="epoch"/> (the one before the grain's read); null if the record exists (another activation wrote it) or was deleted on purpose.
    /// </summary>
    private async Task<string?> LossSinceAsync<T>(string stateName, GrainId grainId, string? epoch)
    {
        if (epoch is null)
        {
            return null;
        }
        var stored = new GrainState<T>();
        await redis.ReadStateAsync(stateName, grainId, stored);
        var current = await EpochAsync();
        if (stored.ETag is not null || current == epoch)
        {
            return null;
        }
        if (Interlocked.Exchange(ref _lossLogged, current) != current)
        {
            LogLossFound(grainId, stateName);
        }
        else
        {
            LogRecordLost(grainId, stateName);
        }
        return current;
    }

    private async Task<string> EpochAsync()
    {
        var database = await connection.DatabaseAsync();
        return (string)(await database.ScriptEvaluateAsync(EpochScript, [_epochKey], [Guid.NewGuid().ToString("N")]))!;
    }

    private void Remember(string? etag, string? epoch)
    {
        if (etag is not null && epoch is not null)
        {
            _epochs.AddOrUpdate(etag, epoch);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The record {State} of {Grain} is gone from Redis since the grain read it, and so is Redis's epoch: Redis lost its data "
        + "(restarted without persistence, or a failover to an empty replica). What active grains hold is written again as they write; "
        + "the rest is lost (Deploy/README.md, \"When Redis loses its data\"). Further records found gone are logged at Information")]
    private partial void LogLossFound(GrainId grain, string state);

    [LoggerMessage(Level = LogLevel.Information, Message = "The record {State} of {Grain} was gone from Redis (lost with its data); written again from the grain's memory")]
    private partial void LogRecordLost(GrainId grain, string state);
}
