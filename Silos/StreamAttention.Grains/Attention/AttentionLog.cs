using Orleans.Storage;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// A user's attention log: the entries (<see cref="AttentionEntry"/>) that decisions appended since the user's whole
/// state was last written, each a small record of its own in the user's grain storage (state names
/// <c>attention-log-N</c>). A decision that defers matches writes only what it added, instead of the whole state with
/// every pending match and fingerprint again. The next whole-state write holds everything (its
/// <see cref="AttentionState.LogStart"/> says from which entry on the log is still to be read), and the log's entries
/// are removed after it. An activation reads the entries from <see cref="AttentionState.LogStart"/> up to the first
/// missing one.
/// </summary>
public sealed class AttentionLog(IGrainStorage storage, GrainId grain)
{
    /// <summary>
    /// Past this many entries a decision writes the whole state instead, so an activation reads at most this many. A
    /// user matched all day has a whole state of ~100 KB (every fingerprint, the recent digests) against a few KB an
    /// entry, so the whole-state writes would be most of the bytes written if they came much more often.
    /// </summary>
    public const int MaxEntries = 64;

    /// <summary>The most entries an activation reads at once.</summary>
    public const int MaxReadWindow = 16;

    private const string StatePrefix = "attention-log-";

    /// <summary>The entries in storage, by number and ETag (what removing one needs): not what they hold, which the state has.</summary>
    private readonly List<(long Number, string? ETag)> _entries = [];

    private long _next;

    /// <summary>The number the next entry gets; a whole-state write holds every entry before it.</summary>
    public long Next => _next;

    /// <summary>Whether entries are in storage (removing some may have failed: they count until removed).</summary>
    public bool HasEntries => _entries.Count > 0;

    /// <summary>Whether a decision should write the whole state rather than append another entry.</summary>
    public bool IsFull => _entries.Count >= MaxEntries;

    /// <summary>
    /// The oldest entry that may still be in storage: the whole state holds every entry before <see cref="Next"/>, and
    /// removing those may not have happened yet or may have failed (<see cref="AttentionState.LogOldest"/>).
    /// </summary>
    public long Oldest => _entries.Count > 0 ? _entries.Min(e => e.Number) : _next;

    /// <summary>
    /// Adds the entries that follow <paramref name="state"/>'s <see cref="AttentionState.LogStart"/> to it, and finds the
    /// entries before it that are still in storage (a silo that crashed, or a removal that failed, after the whole-state
    /// write that holds them), so that the next whole-state write or deactivation removes them.
    /// </summary>
    public async Task ReplayAsync(AttentionState state)
    {
        _next = state.LogStart;
        // The newest entry of the range is removed last (RemoveBeforeAsync): when it is gone, so is every one before it.
        // Read beside the log's first window, so an activation with nothing left behind waits no longer.
        var newestLeft = state.LogOldest < state.LogStart ? ReadAsync(state.LogStart - 1) : null;
        await ReadLogAsync(state);
        if (newestLeft is not null && (await newestLeft).RecordExists)
        {
            await FindLeftAsync(state.LogOldest, state.LogStart);
        }
    }

    /// <summary>The entries from <see cref="Next"/> up to the first missing one, applied to <paramref name="state"/>.</summary>
    private async Task ReadLogAsync(AttentionState state)
    {
        // Read in windows of concurrent reads that double up to MaxReadWindow: no entry (most activations) costs the one
        // read it did one after the other, a full log 8 round trips to the storage instead of 65, for at most
        // MaxReadWindow - 1 reads past its end.
        for (var window = 1; ; window = Math.Min(2 * window, MaxReadWindow))
        {
            var reads = new Task<GrainState<AttentionEntry>>[window];
            for (var i = 0; i < window; i++)
            {
                reads[i] = ReadAsync(_next + i);
            }
            foreach (var entry in await Task.WhenAll(reads))
            {
                // Up to the first missing entry: one after it is no part of this log.
                if (!entry.RecordExists || entry.State is null)
                {
                    return;
                }
                state.Apply(entry.State);
                _entries.Add((_next, entry.ETag));
                _next++;
            }
        }
    }

    /// <summary>Which entries from <paramref name="oldest"/> to before <paramref name="start"/> are in storage (their content is in the state already).</summary>
    private async Task FindLeftAsync(long oldest, long start)
    {
        var left = new List<(long Number, string? ETag)>();
        for (var first = oldest; first < start; first += MaxReadWindow)
        {
            var numbers = Enumerable.Range(0, (int)Math.Min(MaxReadWindow, start - first)).Select(i => first + i).ToArray();
            var reads = await Task.WhenAll(numbers.Select(ReadAsync));
            left.AddRange(numbers.Zip(reads).Where(r => r.Second.RecordExists).Select(r => (r.First, r.Second.ETag)));
        }
        _entries.InsertRange(0, left);
    }

    /// <summary>Persists <paramref name="entry"/> as the next entry; should this fail, nothing was appended.</summary>
    public async Task AppendAsync(AttentionEntry entry)
    {
        var stored = new GrainState<AttentionEntry>(entry);
        await storage.WriteStateAsync(StateName(_next), grain, stored);
        _entries.Add((_next, stored.ETag));
        _next++;
    }

    /// <summary>
    /// Removes the entries before <paramref name="start"/> once a whole-state write holds them: all but the newest at
    /// once, then the newest, so that while any is left the newest is too (what an activation checks, <see cref="ReplayAsync"/>).
    /// Should this fail, they stay in storage, counted here (<see cref="IsFull"/>) until a later call removes them; should
    /// the silo stop first, the next activation finds them through the state's <see cref="AttentionState.LogOldest"/>.
    /// </summary>
    public async Task RemoveBeforeAsync(long start)
    {
        var removing = _entries.Where(e => e.Number < start).OrderBy(e => e.Number).ToArray();
        if (removing.Length > 0)
        {
            await RemoveAsync(removing[..^1]);
            await RemoveAsync(removing[^1..]);
        }
    }

    private async Task RemoveAsync((long Number, string? ETag)[] removing)
    {
        // All at once: the decision that wrote the whole state waits for them. (A storage that throws rather than
        // returning a failed task fails only its own entry.)
        var clears = removing.Select(async e => await storage.ClearStateAsync(StateName(e.Number), grain,
            new GrainState<AttentionEntry> { ETag = e.ETag, RecordExists = true })).ToArray();
        try
        {
            await Task.WhenAll(clears);
        }
        finally
        {
            // One whose clear failed stays, to be removed after the next whole-state write.
            for (var i = 0; i < removing.Length; i++)
            {
                if (clears[i].IsCompletedSuccessfully)
                {
                    _entries.Remove(removing[i]);
                }
            }
        }
    }

    private async Task<GrainState<AttentionEntry>> ReadAsync(long number)
    {
        var entry = new GrainState<AttentionEntry>();
        await storage.ReadStateAsync(StateName(number), grain, entry);
        return entry;
    }

    private static string StateName(long number) => StatePrefix + number;
}
