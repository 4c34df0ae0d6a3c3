using StreamAttention.Contracts;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's most recent matches, at most <paramref name="capacity"/> (the oldest leaves first), found by match id.
/// Every active user grain keeps these, so at 10,000 users about a million of them live as long as the grains: kept
/// as one value per match in a ring (its highlights one array of values) instead of a record, an array and a record
/// per highlight each, so the garbage collector has two objects per match to walk instead of about eight. A
/// <see cref="UserMatch"/> is formed again only when one is read.
/// </summary>
public sealed class RecentMatches(int capacity)
{
    private readonly Dictionary<string, int> _slotById = [];
    private Entry[] _ring = [];
    private int _oldest;
    private int _count;

    public int Count => _count;

    public void Add(UserMatch match)
    {
        if (capacity <= 0)
        {
            return;
        }
        int slot;
        if (_count < capacity)
        {
            // Until the ring is full nothing has left it, so its oldest entry is at 0.
            if (_count == _ring.Length)
            {
                Array.Resize(ref _ring, Math.Min(capacity, Math.Max(4, _ring.Length * 2)));
            }
            slot = _count++;
        }
        else
        {
            slot = _oldest;
            _oldest = (_oldest + 1) % capacity;
            var leaving = _ring[slot].MatchId;
            if (_slotById.TryGetValue(leaving, out var at) && at == slot)
            {
                _slotById.Remove(leaving);
            }
        }
        _ring[slot] = Entry.Of(match);
        _slotById[match.MatchId] = slot;
    }

    /// <summary>The kept match with this id; null when it was never kept or has left.</summary>
    public UserMatch? Find(string matchId) => _slotById.TryGetValue(matchId, out var slot) ? _ring[slot].ToMatch() : null;

    /// <summary>Up to <paramref name="limit"/> matches, newest first.</summary>
    public IReadOnlyList<UserMatch> Newest(int limit)
    {
        var matches = new UserMatch[Math.Clamp(limit, 0, _count)];
        for (var i = 0; i < matches.Length; i++)
        {
            matches[i] = _ring[(_oldest + _count - 1 - i) % _ring.Length].ToMatch();
        }
        return matches;
    }

    private readonly record struct Entry(DateTimeOffset At, string InterestId, string Text, float Score, (string Token, float Weight)[] Highlights,
        string MatchId, string? Delivery, string? DuplicateOf, bool Truncated, float? RawScore)
    {
        public static Entry Of(UserMatch m)
            => new(m.At, m.InterestId, m.Text, m.Score, m.Highlights.Count == 0 ? [] : m.Highlights.Select(h => (h.Token, h.Weight)).ToArray(),
                m.MatchId, m.Delivery, m.DuplicateOf, m.Truncated, m.RawScore);

        public UserMatch ToMatch()
            => new(At, InterestId, Text, Score, Array.ConvertAll(Highlights, h => new Highlight(h.Token, h.Weight)), MatchId, Delivery, DuplicateOf, Truncated, RawScore);
    }
}
