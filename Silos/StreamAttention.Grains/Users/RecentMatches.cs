using StreamAttention.Contracts;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's most recent matches, found by match id: the newest <paramref name="deliveredCapacity"/> that reach the
/// person (<see cref="DeliveryKinds.Immediate"/>, <see cref="DeliveryKinds.Deferred"/>,
/// <see cref="DeliveryKinds.QuietHours"/>) and, apart from them, the newest <paramref name="heldBackCapacity"/> held
/// back (duplicates, muted, below the threshold), so a burst of duplicates does not push the notifications out. The
/// oldest of each leaves first.
/// Every active user grain keeps these, so at 10,000 users about a million of them live as long as the grains: kept
/// as one value per match in a ring, its id the UUID's 16 bytes when it is one (as the gateway's ids are), instead of
/// a record and an id string per match, so the garbage collector has no object of its own per match to walk (the
/// highlights are kept as given: scoring shares them among identical interests). A <see cref="UserMatch"/> is formed
/// again only when one is read.
/// </summary>
public sealed class RecentMatches(int deliveredCapacity, int heldBackCapacity)
{
    private const int Delivered = 0;
    private const int HeldBack = 1;

    private readonly Ring[] _rings = [new(deliveredCapacity), new(heldBackCapacity)];

    /// <summary>Each kept id's ring and slot, as <see cref="Position"/> packs them.</summary>
    private readonly Dictionary<Guid, int> _positionByUuid = [];
    private readonly Dictionary<string, int> _positionByOtherId = new(StringComparer.Ordinal);

    /// <summary>The order of <see cref="Add"/>, kept with each entry so the two rings read back as one, newest first.</summary>
    private long _added;

    public int Count => _rings[Delivered].Count + _rings[HeldBack].Count;

    /// <summary>
    /// Keeps <paramref name="match"/> as <paramref name="decision"/> decided it, without forming the decided copy;
    /// <paramref name="key"/> is its id's, read once for the look-up before the decision and for this.
    /// </summary>
    public void Add(MatchKey key, UserMatch match, MatchDecision decision)
    {
        var ring = ReachesThePerson(decision.Delivery) ? Delivered : HeldBack;
        if (_rings[ring].Add(Entry.Of(key, match, decision, _added++), out var slot) is { } leaving)
        {
            Forget(leaving.Key, Position(ring, slot));
        }
        if (slot < 0)
        {
            return;
        }
        if (key.OtherId is null)
        {
            _positionByUuid[key.Uuid] = Position(ring, slot);
        }
        else
        {
            _positionByOtherId[key.OtherId] = Position(ring, slot);
        }
    }

    private static bool ReachesThePerson(string delivery)
        => delivery is DeliveryKinds.Immediate or DeliveryKinds.Deferred or DeliveryKinds.QuietHours;

    /// <summary>The kept match with this id; null when it was never kept or has left.</summary>
    public UserMatch? Find(string matchId) => EntryOf(MatchKey.Of(matchId))?.ToMatch();

    /// <summary>The text of the kept match with this key; null when it was never kept or has left.</summary>
    public string? TextOf(MatchKey key) => EntryOf(key)?.Text;

    /// <summary>The decision of the kept match with this key; null when it was never kept or has left.</summary>
    public MatchDecision? FindDecision(MatchKey key) => EntryOf(key)?.Decision;

    private Entry? EntryOf(MatchKey key)
        => (key.OtherId is null ? _positionByUuid.TryGetValue(key.Uuid, out var position) : _positionByOtherId.TryGetValue(key.OtherId, out position))
            ? _rings[position & 1].At(position >> 1)
            : null;

    private static int Position(int ring, int slot) => slot << 1 | ring;

    /// <summary>Up to <paramref name="limit"/> matches of both rings, newest first.</summary>
    public IReadOnlyList<UserMatch> Newest(int limit)
    {
        var matches = new UserMatch[Math.Clamp(limit, 0, Count)];
        var (delivered, heldBack) = (0, 0);
        for (var i = 0; i < matches.Length; i++)
        {
            var fromDelivered = heldBack == _rings[HeldBack].Count
                || (delivered < _rings[Delivered].Count && _rings[Delivered].Newest(delivered).Added > _rings[HeldBack].Newest(heldBack).Added);
            matches[i] = (fromDelivered ? _rings[Delivered].Newest(delivered++) : _rings[HeldBack].Newest(heldBack++)).ToMatch();
        }
        return matches;
    }

    /// <summary>
    /// Removes the leaving entry's id unless the same id was kept again since (it then points to the newer position,
    /// and is put back: rare, so one removal instead of a look-up and a removal for every entry that leaves).
    /// </summary>
    private void Forget(MatchKey leaving, int position)
    {
        if (leaving.OtherId is null)
        {
            if (_positionByUuid.Remove(leaving.Uuid, out var at) && at != position)
            {
                _positionByUuid[leaving.Uuid] = at;
            }
        }
        else if (_positionByOtherId.Remove(leaving.OtherId, out var at) && at != position)
        {
            _positionByOtherId[leaving.OtherId] = at;
        }
    }

    /// <summary>At most <paramref name="capacity"/> entries in insertion order, the array grown as they come.</summary>
    private sealed class Ring(int capacity)
    {
        private Entry[] _entries = [];
        private int _oldest;

        public int Count { get; private set; }

        /// <summary>Keeps <paramref name="entry"/> at <paramref name="slot"/> (-1 without capacity); returns the entry it replaced.</summary>
        public Entry? Add(Entry entry, out int slot)
        {
            Entry? leaving = null;
            if (capacity <= 0)
            {
                slot = -1;
                return null;
            }
            if (Count < capacity)
            {
                // Until the ring is full nothing has left it, so its oldest entry is at 0.
                if (Count == _entries.Length)
                {
                    Array.Resize(ref _entries, Math.Min(capacity, Math.Max(4, _entries.Length * 2)));
                }
                slot = Count++;
            }
            else
            {
                slot = _oldest;
                _oldest = (_oldest + 1) % capacity;
                leaving = _entries[slot];
            }
            _entries[slot] = entry;
            return leaving;
        }

        public Entry At(int slot) => _entries[slot];

        /// <summary>The <paramref name="index"/>-th newest entry (0: the newest).</summary>
        public Entry Newest(int index) => _entries[(_oldest + Count - 1 - index) % _entries.Length];
    }

    /// <summary>
    /// The match a duplicate refers to is kept as its key too: the decision's id string is formed from the fingerprint's
    /// key for that decision only, and kept here it would outlive it by a hundred matches.
    /// </summary>
    private readonly record struct Entry(DateTimeOffset At, string InterestId, string Text, float Score, IReadOnlyList<Highlight> Highlights,
        MatchKey Key, string Delivery, MatchKey? DuplicateOf, bool Truncated, float? RawScore, string? Source, string? MessageId, long Added)
    {
        public static Entry Of(MatchKey key, UserMatch m, MatchDecision decision, long added)
            => new(m.At, m.InterestId, m.Text, decision.Score, m.Highlights, key, decision.Delivery,
                decision.DuplicateOf is { } original ? MatchKey.Of(original) : null, m.Truncated, m.RawScore, m.Source, m.MessageId, added);

        public MatchDecision Decision => new(Delivery, Score, DuplicateOf?.ToId());

        public UserMatch ToMatch()
            => new(At, InterestId, Text, Score, Highlights, Key.ToId(),
                Delivery, DuplicateOf?.ToId(), Truncated, RawScore, Source, MessageId);
    }
}
