using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace StreamAttention.Testing;

/// <summary>
/// Grain state shared by all silos of a test cluster and kept outside them, like a database would: it survives
/// killed and restarted silos, which Orleans' memory storage (held by grains on some silo) does not.
/// <see cref="FailWrites"/> makes every write throw, to test what a failed write leaves behind, and
/// <see cref="FailWritesOf"/> only the writes of one state, <see cref="FailNextWrites"/> the next few writes of any state,
/// <see cref="FailClears"/> every clear and <see cref="FailClearsOf"/> the clears of one state (<see cref="WritesFailed"/>
/// counts the writes made to fail); <see cref="FailReadsOf"/> makes one
/// grain fail to activate; <see cref="HoldWrites"/> makes writes wait, as a store that does not answer would. Writes and clears check the record's ETag, as Orleans' storages do.
/// </summary>
public sealed class SharedGrainStore
{
    public ConcurrentDictionary<(string StateName, GrainId Grain), (object State, string ETag)> Entries { get; } = new();

    public volatile bool FailWrites;

    public volatile bool FailClears;

    private volatile string? _failReadsOf;

    private volatile string? _failWritesOf;

    private volatile string? _failClearsOf;

    private int _failNextWrites;

    private volatile Func<Exception>? _writeFailure;

    private int _writesFailed;

    private TaskCompletionSource? _heldWrites;

    private volatile string? _holdWritesOf;

    private int _writesHeld;

    private readonly ConcurrentDictionary<GrainId, int> _writesByGrain = new();

    /// <summary>How many writes of any of <paramref name="grain"/>'s states have succeeded so far.</summary>
    public int WritesOf(GrainId grain) => _writesByGrain.GetValueOrDefault(grain);

    public void CountWriteOf(GrainId grain) => _writesByGrain.AddOrUpdate(grain, 1, (_, writes) => writes + 1);

    private readonly ConcurrentDictionary<string, int> _readsByState = new();

    /// <summary>How many reads of the state named <paramref name="stateName"/> (any grain's) were asked so far.</summary>
    public int ReadsOf(string stateName) => _readsByState.GetValueOrDefault(stateName);

    public void CountReadOf(string stateName) => _readsByState.AddOrUpdate(stateName, 1, (_, reads) => reads + 1);

    /// <summary>How many writes were made to fail so far.</summary>
    public int WritesFailed => Volatile.Read(ref _writesFailed);

    /// <summary>Makes every write of the state named <paramref name="stateName"/> throw (null: none), the other states' writes succeed.</summary>
    public void FailWritesOf(string? stateName) => _failWritesOf = stateName;

    /// <summary>
    /// Makes the next <paramref name="count"/> writes throw, whatever their state: <see cref="IOException"/>, or what
    /// <paramref name="failure"/> makes (a <see cref="TimeoutException"/>, as a store that does not answer in time throws).
    /// </summary>
    public void FailNextWrites(int count, Func<Exception>? failure = null)
    {
        _writeFailure = failure;
        Volatile.Write(ref _failNextWrites, count);
    }

    /// <summary>What a write made to fail throws.</summary>
    public Exception WriteFailure() => _writeFailure?.Invoke() ?? new IOException("injected storage failure");

    public bool FailsWriteOf(string stateName)
    {
        var fails = FailWrites || _failWritesOf == stateName || TakeNextWriteFailure();
        if (fails)
        {
            Interlocked.Increment(ref _writesFailed);
        }
        return fails;
    }

    private bool TakeNextWriteFailure()
    {
        var left = Volatile.Read(ref _failNextWrites);
        while (left > 0)
        {
            var seen = Interlocked.CompareExchange(ref _failNextWrites, left - 1, left);
            if (seen == left)
            {
                return true;
            }
            left = seen;
        }
        return false;
    }

    /// <summary>
    /// Writes from now on wait, before anything else, until <see cref="ReleaseWrites"/>; but while <see cref="FailNextWrites"/>
    /// has failures left, writes do not wait: they fail (a store that fails fast, then hangs). With <paramref name="stateName"/>
    /// only the writes of that state wait (a user's own, not its tenant's count written before it).
    /// </summary>
    public void HoldWrites(string? stateName = null)
    {
        _holdWritesOf = stateName;
        Volatile.Write(ref _heldWrites, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void ReleaseWrites() => Interlocked.Exchange(ref _heldWrites, null)?.TrySetResult();

    /// <summary>Releases the writes waiting now; later ones (of the state <see cref="HoldWrites"/> named) wait for the next release.</summary>
    public void ReleaseWritesWaiting()
        => Interlocked.Exchange(ref _heldWrites, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))?.TrySetResult();

    /// <summary>How many writes have waited for <see cref="ReleaseWrites"/> so far.</summary>
    public int WritesHeld => Volatile.Read(ref _writesHeld);

    /// <summary>What a write waits for: nothing, or the release of the writes held.</summary>
    public Task WaitIfHeldAsync(string stateName)
    {
        if (Volatile.Read(ref _heldWrites) is not { } held || Volatile.Read(ref _failNextWrites) > 0 || _holdWritesOf is { } only && only != stateName)
        {
            return Task.CompletedTask;
        }
        Interlocked.Increment(ref _writesHeld);
        return held.Task;
    }

    private TaskCompletionSource? _heldReads;

    private volatile string? _holdReadsOf;

    /// <summary>
    /// Reads of the state named <paramref name="stateName"/> from now on wait until <see cref="ReleaseReads"/>, so that a
    /// test changes records between the reads of one activation (as another activation of the grain would).
    /// </summary>
    public void HoldReads(string stateName)
    {
        _holdReadsOf = stateName;
        Volatile.Write(ref _heldReads, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void ReleaseReads() => Interlocked.Exchange(ref _heldReads, null)?.TrySetResult();

    /// <summary>Whether a read waits for <see cref="ReleaseReads"/> now.</summary>
    public bool ReadsHeld { get; private set; }

    /// <summary>What a read waits for: nothing, or the release of the reads held.</summary>
    public Task WaitIfReadHeldAsync(string stateName)
    {
        if (Volatile.Read(ref _heldReads) is not { } held || _holdReadsOf != stateName)
        {
            return Task.CompletedTask;
        }
        ReadsHeld = true;
        return held.Task;
    }

    /// <summary>Makes every clear of the state named <paramref name="stateName"/> throw (null: none).</summary>
    public void FailClearsOf(string? stateName) => _failClearsOf = stateName;

    public bool FailsClearOf(string stateName) => FailClears || _failClearsOf == stateName;

    /// <summary>Makes every read of the state of grains keyed <paramref name="key"/> throw (null: none), so they fail to activate.</summary>
    public void FailReadsOf(string? key) => _failReadsOf = key;

    public bool FailsReadOf(GrainId grain) => _failReadsOf is { } key && grain.Key.ToString() == key;
}

public sealed class SharedGrainStorage(SharedGrainStore store, DeepCopier copier) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await store.WaitIfReadHeldAsync(stateName);
        store.CountReadOf(stateName);
        if (store.FailsReadOf(grainId))
        {
            throw new IOException("injected storage read failure");
        }
        if (store.Entries.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = copier.Copy((T)entry.State);
            grainState.ETag = entry.ETag;
            grainState.RecordExists = true;
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await store.WaitIfHeldAsync(stateName);
        if (store.FailsWriteOf(stateName))
        {
            throw store.WriteFailure();
        }
        var key = (stateName, grainId);
        var expected = store.Entries.TryGetValue(key, out var entry) ? entry.ETag : null;
        if (expected != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch for {grainId}", expected, grainState.ETag);
        }
        var etag = Guid.NewGuid().ToString("N");
        store.Entries[key] = (copier.Copy(grainState.State)!, etag);
        store.CountWriteOf(grainId);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.FailsClearOf(stateName))
        {
            throw new IOException("injected storage clear failure");
        }
        var key = (stateName, grainId);
        if (store.Entries.TryGetValue(key, out var entry) && entry.ETag != grainState.ETag)
        {
            throw new InconsistentStateException($"ETag mismatch for {grainId}", entry.ETag, grainState.ETag);
        }
        store.Entries.TryRemove(key, out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
