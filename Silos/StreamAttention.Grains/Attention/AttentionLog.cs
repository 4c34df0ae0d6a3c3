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
    /// <summary>Past this many entries a decision writes the whole state instead, so an activation reads at most this many.</summary>
    public const int MaxEntries = 16;

    private const string StatePrefix = "attention-log-";

    private readonly List<(long Number, GrainState<AttentionEntry> Entry)> _entries = [];

    private long _next;

    /// <summary>The number the next entry gets; a whole-state write holds every entry before it.</summary>
    public long Next => _next;

    /// <summary>Whether a decision should write the whole state rather than append another entry.</summary>
    public bool IsFull => _entries.Count >= MaxEntries;

    /// <summary>Adds the entries that follow <paramref name="state"/>'s <see cref="AttentionState.LogStart"/> to it.</summary>
    public async Task ReplayAsync(AttentionState state)
    {
        _next = state.LogStart;
        while (true)
        {
            var entry = new GrainState<AttentionEntry>();
            await storage.ReadStateAsync(StateName(_next), grain, entry);
            if (!entry.RecordExists || entry.State is null)
            {
                return;
            }
            state.Apply(entry.State);
            _entries.Add((_next, entry));
            _next++;
        }
    }

    /// <summary>Persists <paramref name="entry"/> as the next entry; should this fail, nothing was appended.</summary>
    public async Task AppendAsync(AttentionEntry entry)
    {
        var stored = new GrainState<AttentionEntry>(entry);
        await storage.WriteStateAsync(StateName(_next), grain, stored);
        _entries.Add((_next, stored));
        _next++;
    }

    /// <summary>
    /// Removes the entries before <paramref name="start"/> once a whole-state write holds them. Should this fail, they
    /// stay in storage but are never read again (an activation reads from the state's <see cref="AttentionState.LogStart"/>).
    /// </summary>
    public async Task RemoveBeforeAsync(long start)
    {
        foreach (var (number, entry) in _entries.Where(e => e.Number < start).ToArray())
        {
            await storage.ClearStateAsync(StateName(number), grain, entry);
            _entries.Remove((number, entry));
        }
    }

    private static string StateName(long number) => StatePrefix + number;
}
