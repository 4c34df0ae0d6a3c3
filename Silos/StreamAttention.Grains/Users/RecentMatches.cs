using StreamAttention.Contracts;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's most recent matches, at most <paramref name="capacity"/> (the oldest leaves first), found by match id.
/// Every active user grain keeps these, so at 10,000 users about a million of them live as long as the grains: kept
/// as one value per match in a ring, its id the UUID's 16 bytes when it is one (as the gateway's ids are), instead of
/// a record and an id string per match, so the garbage collector has no object of its own per match to walk (the
/// highlights are kept as given: scoring shares them among identical interests). A <see cref="UserMatch"/> is formed
/// again only when one is read.
/// </summary>
public sealed class RecentMatches(int capacity)
{
    private readonly Dictionary<Guid, int> _slotByUuid = [];
    private readonly Dictionary<string, int> _slotByOtherId = new(StringComparer.Ordinal);
    private Entry[] _ring = [];
    private int _oldest;
    private int _count;

    public int Count => _count;

    /// <summary>
    /// Keeps <paramref name="match"/> as <paramref name="decision"/> decided it, without forming the decided copy;
    /// <paramref name="key"/> is its id's, read once for the look-up before the decision and for this.
    /// </summary>
    public void Add(MatchKey key, UserMatch match, MatchDecision decision)
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
            Forget(_ring[slot].Key, slot);
        }
        _ring[slot] = Entry.Of(key, match, decision);
        if (key.OtherId is null)
        {
            _slotByUuid[key.Uuid] = slot;
        }
        else
        {
            _slotByOtherId[key.OtherId] = slot;
        }
    }

    /// <summary>The kept match with this id; null when it was never kept or has left.</summary>
    public UserMatch? Find(string matchId) => SlotOf(MatchKey.Of(matchId)) is { } slot ? _ring[slot].ToMatch() : null;

    /// <summary>The text of the kept match with this key; null when it was never kept or has left.</summary>
    public string? TextOf(MatchKey key) => SlotOf(key) is { } slot ? _ring[slot].Text : null;

    /// <summary>The decision of the kept match with this key; null when it was never kept or has left.</summary>
    public MatchDecision? FindDecision(MatchKey key) => SlotOf(key) is { } slot ? _ring[slot].Decision : null;

    private int? SlotOf(MatchKey key)
        => (key.OtherId is null ? _slotByUuid.TryGetValue(key.Uuid, out var slot) : _slotByOtherId.TryGetValue(key.OtherId, out slot)) ? slot : null;

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

    /// <summary>
    /// Removes the leaving entry's id unless the same id was kept again since (it then points to the newer slot, and
    /// is put back: rare, so one removal instead of a look-up and a removal for every entry that leaves).
    /// </summary>
    private void Forget(MatchKey leaving, int slot)
    {
        if (leaving.OtherId is null)
        {
            if (_slotByUuid.Remove(leaving.Uuid, out var at) && at != slot)
            {
                _slotByUuid[leaving.Uuid] = at;
            }
        }
        else if (_slotByOtherId.Remove(leaving.OtherId, out var at) && at != slot)
        {
            _slotByOtherId[leaving.OtherId] = at;
        }
    }

    /// <summary>
    /// The match a duplicate refers to is kept as its key too: the decision's id string is formed from the fingerprint's
    /// key for that decision only, and kept here it would outlive it by a hundred matches.
    /// </summary>
    private readonly record struct Entry(DateTimeOffset At, string InterestId, string Text, float Score, IReadOnlyList<Highlight> Highlights,
        MatchKey Key, string? Delivery, MatchKey? DuplicateOf, bool Truncated, float? RawScore, string? Source)
    {
        public static Entry Of(MatchKey key, UserMatch m, MatchDecision decision)
            => new(m.At, m.InterestId, m.Text, decision.Score, m.Highlights, key, decision.Delivery,
                decision.DuplicateOf is { } original ? MatchKey.Of(original) : null, m.Truncated, m.RawScore, m.Source);

        /// <summary>Only decided matches are kept.</summary>
        public MatchDecision Decision => new(Delivery!, Score, DuplicateOf?.ToId());

        public UserMatch ToMatch()
            => new(At, InterestId, Text, Score, Highlights, Key.ToId(),
                Delivery, DuplicateOf?.ToId(), Truncated, RawScore, Source);
    }
}
