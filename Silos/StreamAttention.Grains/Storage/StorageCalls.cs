using System.Collections.Concurrent;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The grains of this silo now waiting on a call of theirs to the grain storage (<see cref="LostRecordStorage"/>
/// counts its reads, writes and clears): a grain found waiting there when a caller's deadline passes is held by a slow
/// storage, not hung on its own (<see cref="IStorageCallsExtension"/>).
/// </summary>
public sealed class StorageCalls
{
    /// <summary>The calls each grain has out, only while it has some.</summary>
    private readonly ConcurrentDictionary<GrainId, int> _out = new();

    public bool AreOut(GrainId grain) => _out.ContainsKey(grain);

    /// <summary>The storage call, counted out while it runs.</summary>
    public async Task RunAsync(GrainId grain, Func<Task> call)
    {
        _out.AddOrUpdate(grain, 1, static (_, calls) => calls + 1);
        try
        {
            await call();
        }
        finally
        {
            End(grain);
        }
    }

    private void End(GrainId grain)
    {
        // Each end follows its own start: the grain's count is there until its last call ends.
        var calls = _out[grain];
        while (!(calls == 1 ? _out.TryRemove(KeyValuePair.Create(grain, 1)) : _out.TryUpdate(grain, calls - 1, calls)))
        {
            calls = _out[grain];
        }
    }
}
