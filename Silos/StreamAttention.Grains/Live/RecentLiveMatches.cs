using StreamAttention.Contracts.Live;

namespace StreamAttention.Grains.Live;

/// <summary>
/// The live feed's latest matches, oldest first, in a ring of a fixed capacity: what a stream client that reconnects
/// with the id of the last match it saw has missed. Not thread-safe; its owner locks.
/// </summary>
internal sealed class RecentLiveMatches(int capacity)
{
    private readonly LiveMatch[] _ring = new LiveMatch[capacity];
    private int _next;
    private int _count;

    public void Add(LiveMatch match)
    {
        _ring[_next] = match;
        _next = (_next + 1) % _ring.Length;
        _count = Math.Min(_count + 1, _ring.Length);
    }

    /// <summary>Drops every kept match; nothing to do when none is kept (a silo nobody watches calls it every batch).</summary>
    public void Clear()
    {
        if (_count == 0)
        {
            return;
        }
        Array.Clear(_ring);
        (_next, _count) = (0, 0);
    }

    /// <summary>Drops the kept matches of user <paramref name="userKey"/> formed at or before <paramref name="erasedAt"/>, keeping the others in their order.</summary>
    public void RemoveUser(string userKey, DateTimeOffset erasedAt)
    {
        var kept = Enumerable.Range(0, _count).Select(At).Where(m => m.UserId != userKey || m.Match.At > erasedAt).ToArray();
        Array.Clear(_ring);
        kept.CopyTo(_ring, 0);
        (_next, _count) = (kept.Length % _ring.Length, kept.Length);
    }

    /// <summary>
    /// The kept matches that <paramref name="takes"/> after the last one it takes with id <paramref name="matchId"/> (a
    /// match scored again keeps its id), or every kept match it takes when none has that id any more
    /// (<paramref name="found"/> false: older ones may be missing). A match it does not take is not looked for: an id
    /// derived from a message's source id can be computed by anyone who knows the message, and whether another user's
    /// or tenant's match is kept must not be told.
    /// </summary>
    public LiveMatch[] After(string matchId, Func<LiveMatch, bool> takes, out bool found)
    {
        var skip = 0;
        found = false;
        for (var age = 0; age < _count && !found; age++)
        {
            if (At(_count - 1 - age) is var match && match.Match.MatchId == matchId && takes(match))
            {
                (skip, found) = (_count - age, true);
            }
        }
        return [.. Enumerable.Range(skip, _count - skip).Select(At).Where(takes)];
    }

    /// <summary>The <paramref name="position"/>-th kept match, oldest first.</summary>
    private LiveMatch At(int position) => _ring[(_next - _count + position + _ring.Length) % _ring.Length];
}
