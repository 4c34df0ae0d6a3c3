using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Live;

/// <summary>
/// The users erased in the last <paramref name="memory"/> (<see cref="Options.LiveFeedOptions.ErasureMemory"/>), each
/// with its latest erasure time: what the feed grain replays to silos that subscribe, and what a silo's broadcaster
/// drops matches by. Entries older than the memory go whenever one is added, some are read, or a broadcaster asks
/// whether any is left (<see cref="Any"/>, once per batch): a silo erasing nobody lately looks nothing up. Not
/// thread-safe; its owner locks (or is a grain).
/// </summary>
internal sealed class RecentErasures(TimeSpan memory, TimeProvider time)
{
    private readonly Dictionary<string, DateTimeOffset> _erasedAt = new(StringComparer.Ordinal);

    /// <summary>The erasures as they were added, the oldest (usually) first, for forgetting them.</summary>
    private readonly Queue<UserErasure> _added = new();

    /// <summary>Whether any erasure is still within the memory, forgetting those past it (cheap when none is).</summary>
    public bool Any()
    {
        Forget();
        return _erasedAt.Count > 0;
    }

    /// <summary>Remembers <paramref name="erasure"/>; false when it is already known (or a later one of the user is) or is past the memory.</summary>
    public bool Add(UserErasure erasure)
    {
        Forget();
        if (erasure.At < Cutoff || _erasedAt.TryGetValue(erasure.UserKey, out var known) && known >= erasure.At)
        {
            return false;
        }
        _erasedAt[erasure.UserKey] = erasure.At;
        _added.Enqueue(erasure);
        return true;
    }

    /// <summary>Whether a match of <paramref name="userKey"/> formed at <paramref name="matchedAt"/> is of an erased user, formed before its erasure.</summary>
    public bool Erased(string userKey, DateTimeOffset matchedAt)
        => _erasedAt.TryGetValue(userKey, out var erasedAt) && matchedAt <= erasedAt;

    public UserErasure[] All()
    {
        Forget();
        return [.. _erasedAt.Select(e => new UserErasure(e.Key, e.Value))];
    }

    private DateTimeOffset Cutoff => time.GetUtcNow() - memory;

    private void Forget()
    {
        var cutoff = Cutoff;
        while (_added.TryPeek(out var oldest) && oldest.At < cutoff)
        {
            _added.Dequeue();
            // A later erasure of the same user stays until its own time is past.
            if (_erasedAt.TryGetValue(oldest.UserKey, out var at) && at == oldest.At)
            {
                _erasedAt.Remove(oldest.UserKey);
            }
        }
    }
}
