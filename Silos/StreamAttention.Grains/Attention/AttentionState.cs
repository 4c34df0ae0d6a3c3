using System.Runtime.InteropServices;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// What a user's delivery policy remembers between matches, persisted with the user's interests so a silo failure
/// loses no deferred match and no digest: the recent notifications (rate limit), the recent fingerprints (duplicates),
/// the matches waiting for a digest, the digests formed but not yet acknowledged by every sink (the outbox), and feedback.
/// What decisions add between writes of the whole state is also kept apart (<see cref="Unwritten"/>), so a decision
/// that defers a match persists only that (<see cref="AttentionLog"/>). The fingerprints live in a
/// <see cref="FingerprintWindow"/> and are stored as a list.
/// </summary>
[GenerateSerializer, SuppressReferenceTracking, Alias("StreamAttention.AttentionState")]
public sealed class AttentionState
{
    /// <summary>Not persisted with the state: written as one log entry, or folded into the next whole-state write.</summary>
    [NonSerialized]
    private AttentionEntry? _unwritten;

    [NonSerialized]
    private FingerprintWindow? _window;

    /// <summary>
    /// The fingerprints added since the last write are among the newest this many of the window (exactly these unless
    /// the clock went back, which may write some again), so the entry not yet written takes them from it when asked:
    /// it kept its own list before, one more old object given a new reference at every decision.
    /// </summary>
    [NonSerialized]
    private int _fingerprintsUnwritten;

    /// <summary>
    /// Whether decisions since the last write gave the next digest a line no write holds: a repeated original, or a group
    /// for an interest whose matches are only counted. Such a decision writes, as one that lists a match does, so a
    /// lost silo loses at most counts, never a line or the digest itself (repeats alone make one due).
    /// </summary>
    [NonSerialized]
    private bool _unwrittenLine;

    /// <summary>When each immediate notification within the rate-limit window went out, oldest first.</summary>
    [Id(0)]
    public List<DateTimeOffset> ImmediateTimes { get; set; } = [];

    /// <summary>
    /// Matches delivered or queued for a digest within the duplicate window, which later near-duplicates refer to; oldest
    /// first. The stored form of <see cref="RecentFingerprints()"/>: a copy when read, the window replaced when set (so the
    /// JSON of records stored before must set it, not fill the copy).
    /// </summary>
    [Id(1)]
    [Newtonsoft.Json.JsonProperty(ObjectCreationHandling = Newtonsoft.Json.ObjectCreationHandling.Replace)]
    public List<Fingerprint> Fingerprints
    {
        get => [.. Window];
        set => (_window, _fingerprintsUnwritten) = (new FingerprintWindow(value ?? []), 0);
    }

    /// <summary>The fingerprints as decisions scan them; changed only through this state's methods (a method: storage serializers skip it).</summary>
    public FingerprintWindow RecentFingerprints() => Window;

    private FingerprintWindow Window => _window ??= new FingerprintWindow();

    /// <summary>
    /// The best matches waiting for the next digest, as many as it lists (<see cref="DigestPolicy.DigestSize"/>), in the
    /// order they came; the others waiting are only counted (<see cref="Unlisted"/>), so a user's state stays bounded
    /// however many matches wait.
    /// </summary>
    [Id(2)]
    public List<UserMatch> Pending
    {
        get => _pending;
        set => (_pending, _worstPending) = (value, null);
    }

    [NonSerialized]
    private List<UserMatch> _pending = [];

    /// <summary>
    /// Where the worst of <see cref="Pending"/> is, while the list holds that many (forgotten where this type changes it):
    /// once the digest is full (most of its hour for a busy user) a match no better than the worst is only counted,
    /// without a look at every listed one.
    /// </summary>
    [NonSerialized]
    private (int Count, int Index)? _worstPending;

    /// <summary>When the pending matches are due (never inside quiet hours); null while nothing is pending.</summary>
    [Id(3)]
    public DateTimeOffset? NextDigestAt { get; set; }

    /// <summary>
    /// The number of the last digest formed, so the next one gets a new id: the time it was formed (milliseconds since
    /// 1970), or one more than the last where that is later; 0 before any.
    /// </summary>
    [Id(4)]
    public long DigestSequence { get; set; }

    /// <summary>Digests formed whose sending has not succeeded yet; sent again, same id, at the next check.</summary>
    [Id(5)]
    public List<Digest> Outbox { get; set; } = [];

    /// <summary>The most recent digests, oldest first.</summary>
    [Id(6)]
    public List<Digest> RecentDigests { get; set; } = [];

    /// <summary>Feedback by interest id.</summary>
    [Id(7)]
    public Dictionary<string, FeedbackState> Feedback { get; set; } = [];

    /// <summary>The first entry of the user's attention log that this state does not hold yet (0 in states written before the log).</summary>
    [Id(8)]
    public long LogStart { get; set; }

    /// <summary>Matches waiting for the next digest that it counts but does not list (worse than every <see cref="Pending"/> one), by interest.</summary>
    [Id(9)]
    public Dictionary<string, int> Unlisted { get; set; } = [];

    /// <summary>
    /// Whether quiet hours deferred one of the <see cref="Unlisted"/> matches, or held one of the <see cref="Repeats"/>
    /// (the digest says why it came).
    /// </summary>
    [Id(10)]
    public bool UnlistedQuietHours { get; set; }

    /// <summary>
    /// The oldest entry of the attention log that may still be in storage when this state was written: the entries from
    /// here to before <see cref="LogStart"/> are held by this state and to be removed (0 in states written before it).
    /// </summary>
    [Id(11)]
    public long LogOldest { get; set; }

    /// <summary>
    /// The suppressed near-duplicates since the last digest, by the id of the match they repeat, for the next digest to
    /// report; at most as many originals as the fingerprints kept (<see cref="AddRepeat"/>).
    /// </summary>
    [Id(12)]
    public Dictionary<string, DigestRepeat> Repeats { get; set; } = [];

    /// <summary>
    /// The suppressed near-duplicates since the last digest of the originals forgotten past the bound on
    /// <see cref="Repeats"/>: the next digest counts them (<see cref="Digest.MoreRepeats"/>) without their originals.
    /// </summary>
    [Id(13)]
    public int ForgottenRepeats { get; set; }

    /// <summary>Whether any match waits for the next digest, or a repeat to be reported in it.</summary>
    public bool HasPending => Pending.Count > 0 || Unlisted.Count > 0 || Repeats.Count > 0;

    /// <summary>
    /// What decisions added since this state or the log last persisted it, to be written (a method: storage serializers
    /// skip it). Its fingerprints are taken from the window at each call: ask <see cref="UnwrittenLists"/> and
    /// <see cref="HasUnwritten"/> for what decides whether to write.
    /// </summary>
    public AttentionEntry Unwritten()
    {
        var entry = Added;
        entry.Fingerprints.Clear();
        for (var i = Window.Count - Math.Min(_fingerprintsUnwritten, Window.Count); i < Window.Count; i++)
        {
            entry.Fingerprints.Add(Window[i]);
        }
        return entry;
    }

    /// <summary>
    /// Whether decisions since the last write listed a match for the digest (<see cref="AttentionEntry.Lists"/>) or gave it
    /// another line (a repeated original, an interest only counted): what must be written before the decisions return.
    /// </summary>
    public bool UnwrittenLists => _unwritten is { Lists: true } || _unwrittenLine;

    /// <summary>
    /// Whether decisions since the last write added anything: a notification time, a fingerprint, a match waiting for the
    /// digest (a method: storage serializers skip it).
    /// </summary>
    public bool HasUnwritten() => _fingerprintsUnwritten > 0 || _unwritten is { } added && (added.ImmediateTimes.Count > 0 || added.Defers || added.Repeats.Count > 0);

    /// <summary>What decisions added since the last write, but the fingerprints.</summary>
    private AttentionEntry Added => _unwritten ??= new AttentionEntry();

    public void AddImmediate(DateTimeOffset at)
    {
        ImmediateTimes.Insert(ImmediatePosition(at), at);
        Added.ImmediateTimes.Add(at);
    }

    /// <summary>Keeps the fingerprint of the match with <paramref name="key"/>, taken at <paramref name="at"/>.</summary>
    public void AddFingerprint(MatchKey key, DateTimeOffset at, ReadOnlySpan<byte> sketch)
    {
        var position = Window.PositionAfter(at);
        // Every fingerprint from the position on is newer, so the unwritten ones, some of which it moved up, are still
        // among the newest that many.
        _fingerprintsUnwritten = Math.Max(_fingerprintsUnwritten + 1, Window.Count + 1 - position);
        Window.Insert(position, key, at, sketch);
    }

    public void AddFingerprint(Fingerprint fingerprint) => AddFingerprint(fingerprint.Key, fingerprint.At, fingerprint.Sketch);

    /// <summary>
    /// The match waits for the next digest, due at <paramref name="due"/> unless one is due earlier. Of all that wait, the
    /// best <paramref name="listed"/> (by score, then the earlier, then the first to come: the digest's order) stay in
    /// <see cref="Pending"/>; a match that falls out of them is only counted. The digest is the same as one formed from
    /// every match, since a match worse than <paramref name="listed"/> others never gets listed.
    /// </summary>
    public void AddPending(UserMatch match, DateTimeOffset due, int listed)
    {
        NextDigestAt ??= due;
        Added.NextDigestAt = NextDigestAt;
        while (Pending.Count >= Math.Max(1, listed))
        {
            var worst = WorstPending();
            if (!RanksBefore(match, Pending[worst]))
            {
                Unlist(match);
                return;
            }
            Unlist(Pending[worst]);
            Added.Evicted.Add(Pending[worst].MatchId);
            Pending.RemoveAt(worst);
            _worstPending = null;
        }
        Pending.Add(match);
        Added.Pending.Add(match);
    }

    /// <summary>
    /// Counts <paramref name="duplicate"/>, suppressed at <paramref name="at"/>, against <paramref name="original"/>
    /// for the next digest, due at <paramref name="due"/> unless one is due earlier. Of at most
    /// <paramref name="originals"/> originals: beyond them, the one repeated longest ago is forgotten, its count kept in
    /// <see cref="ForgottenRepeats"/> (not logged: a log replayed brings the original back with its count). One suppressed inside
    /// quiet hours (<paramref name="quietHours"/>) makes the digest come for their end, as a match they deferred does.
    /// </summary>
    public void AddRepeat(string original, UserMatch duplicate, DateTimeOffset at, DateTimeOffset due, int originals, bool quietHours)
    {
        NextDigestAt ??= due;
        Added.NextDigestAt = NextDigestAt;
        if (quietHours)
        {
            UnlistedQuietHours = Added.UnlistedQuietHours = true;
        }
        _unwrittenLine |= !Repeats.ContainsKey(original);
        // The first repeat's record, formed only for a dictionary that does not count the original yet (shared by both).
        DigestRepeat? first = null;
        AddRepeatTo(Added.Repeats, original, duplicate, at, ref first);
        // A while: a state read back may hold more, an entry replayed having brought back one forgotten after it was written.
        while (!Repeats.ContainsKey(original) && Repeats.Count >= originals)
        {
            var forgotten = Repeats.Values.MinBy(r => r.LastAt)!;
            Repeats.Remove(forgotten.MatchId);
            ForgottenRepeats += forgotten.Count;
        }
        AddRepeatTo(Repeats, original, duplicate, at, ref first);
    }

    /// <summary>
    /// The match id of <paramref name="key"/> (<see cref="MatchKey.ToId"/>): the string <see cref="Repeats"/> keys it by
    /// where it was repeated before, so an original that keeps being repeated forms no new id each time.
    /// </summary>
    public string RepeatedId(MatchKey key) => key.ToId(Repeats);

    /// <summary>The <see cref="Repeats"/> in the order the digest lists them: the most repeated first, then the latest.</summary>
    public IEnumerable<DigestRepeat> RepeatsMostFirst() => Repeats.Values.OrderByDescending(r => r.Count).ThenByDescending(r => r.LastAt);

    private static void AddRepeatTo(Dictionary<string, DigestRepeat> repeats, string original, UserMatch duplicate, DateTimeOffset at, ref DigestRepeat? first)
    {
        ref var kept = ref CollectionsMarshal.GetValueRefOrAddDefault(repeats, original, out var exists);
        kept = exists ? kept!.Then(duplicate, at) : first ??= DigestRepeat.Of(original, duplicate, at);
    }

    private static void AddRepeatTo(Dictionary<string, DigestRepeat> repeats, DigestRepeat repeat)
    {
        ref var kept = ref CollectionsMarshal.GetValueRefOrAddDefault(repeats, repeat.MatchId, out var exists);
        kept = exists ? kept!.Then(repeat) : repeat;
    }

    /// <summary>Empties the digest's matches once it is formed.</summary>
    public void ClearPending()
    {
        Pending = [];
        Unlisted = [];
        Repeats = [];
        ForgottenRepeats = 0;
        UnlistedQuietHours = false;
        NextDigestAt = null;
    }

    /// <summary>The pending match listed last: the lowest score, then the latest, then the last to come.</summary>
    private int WorstPending()
    {
        if (_worstPending is { } known && known.Count == Pending.Count)
        {
            return known.Index;
        }
        var worst = 0;
        for (var i = 1; i < Pending.Count; i++)
        {
            if (!RanksBefore(Pending[i], Pending[worst]))
            {
                worst = i;
            }
        }
        _worstPending = (Pending.Count, worst);
        return worst;
    }

    /// <summary>Whether the digest lists <paramref name="match"/> before <paramref name="other"/>, which came earlier.</summary>
    private static bool RanksBefore(UserMatch match, UserMatch other)
        => match.Score > other.Score || (match.Score == other.Score && match.At < other.At);

    private void Unlist(UserMatch match)
    {
        // An interest counted for the first time, with none of its matches listed, gives the digest a group of its own.
        _unwrittenLine |= !AddUnlisted(Unlisted, match.InterestId, 1) && !ListsAny(match.InterestId);
        AddUnlisted(Added.Unlisted, match.InterestId, 1);
        if (match.Delivery == DeliveryKinds.QuietHours)
        {
            UnlistedQuietHours = Added.UnlistedQuietHours = true;
        }
    }

    /// <summary>Adds <paramref name="count"/> to the interest's count; whether it was counted before.</summary>
    private static bool AddUnlisted(Dictionary<string, int> unlisted, string interestId, int count)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(unlisted, interestId, out var counted) += count;
        return counted;
    }

    /// <summary>Whether a listed match is of <paramref name="interestId"/> (a loop: a predicate's closure was allocated at every count).</summary>
    private bool ListsAny(string interestId)
    {
        foreach (var listed in Pending)
        {
            if (listed.InterestId == interestId)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Adds an entry read back from the log (what an earlier activation persisted there).</summary>
    public void Apply(AttentionEntry entry)
    {
        foreach (var at in entry.ImmediateTimes)
        {
            ImmediateTimes.Insert(ImmediatePosition(at), at);
        }
        foreach (var fingerprint in entry.Fingerprints)
        {
            Window.Insert(Window.PositionAfter(fingerprint.At), fingerprint.Key, fingerprint.At, fingerprint.Sketch);
        }
        Pending.AddRange(entry.Pending);
        foreach (var evicted in entry.Evicted)
        {
            if (Pending.FindIndex(m => m.MatchId == evicted) is >= 0 and var at)
            {
                Pending.RemoveAt(at);
            }
        }
        _worstPending = null;
        foreach (var (interestId, count) in entry.Unlisted)
        {
            AddUnlisted(Unlisted, interestId, count);
        }
        UnlistedQuietHours |= entry.UnlistedQuietHours;
        foreach (var repeat in entry.Repeats.Values)
        {
            AddRepeatTo(Repeats, repeat);
        }
        NextDigestAt ??= entry.NextDigestAt;
    }

    /// <summary>
    /// Puts the notification times and fingerprints of a state as read from storage in time order, which every addition
    /// keeps, so that <see cref="ForgetImmediateUntil"/> and <see cref="ForgetFingerprintsUntil"/> only look at the oldest.
    /// They are in that order already unless the clock went back while they were added.
    /// </summary>
    public void OrderByTime()
    {
        ImmediateTimes.Sort();
        for (var i = 1; i < Window.Count; i++)
        {
            if (Window.At(i - 1) > Window.At(i))
            {
                // Stable: fingerprints of one instant keep the order they were added in.
                _window = new FingerprintWindow(Window.OrderBy(f => f.At));
                return;
            }
        }
    }

    /// <summary>Drops the notification times at or before <paramref name="cutoff"/>: the oldest, in time order.</summary>
    public void ForgetImmediateUntil(DateTimeOffset cutoff)
        => ImmediateTimes.RemoveRange(0, TimeOrder.CountUntil(ImmediateTimes, ImmediateTimes.Count, static (times, i) => times[i], cutoff));

    /// <summary>Drops the fingerprints taken at or before <paramref name="cutoff"/>: the oldest, in time order.</summary>
    public void ForgetFingerprintsUntil(DateTimeOffset cutoff) => ForgetOldestFingerprints(Window.CountUntil(cutoff));

    /// <summary>Drops the oldest fingerprints beyond the newest <paramref name="kept"/>.</summary>
    public void KeepNewestFingerprints(int kept) => ForgetOldestFingerprints(Math.Max(0, Window.Count - kept));

    /// <summary>Forgotten, a fingerprint not yet written is not written: it could only be forgotten again when read back.</summary>
    private void ForgetOldestFingerprints(int count)
    {
        Window.RemoveFirst(count);
        _fingerprintsUnwritten = Math.Min(_fingerprintsUnwritten, Window.Count);
    }

    /// <summary>Where a notification at <paramref name="at"/> goes among <see cref="ImmediateTimes"/>, in time order.</summary>
    private int ImmediatePosition(DateTimeOffset at) => TimeOrder.PositionAfter(ImmediateTimes, ImmediateTimes.Count, static (times, i) => times[i], at);

    /// <summary>
    /// Everything added so far is persisted (in a log entry or the whole state). The entry <see cref="Unwritten"/> gave
    /// is emptied for the next decisions, not replaced: whoever keeps one copies it first.
    /// </summary>
    public void MarkWritten()
    {
        _unwritten?.Clear();
        _fingerprintsUnwritten = 0;
        _unwrittenLine = false;
    }
}

/// <summary>
/// What the decisions of one call added to a user's attention state: one entry of the user's attention log. The matches
/// waiting for a digest must survive a lost silo; the notification times and fingerprints travel with them.
/// The stored records' own types are not reference-tracked (see <see cref="UserMatch"/>).
/// </summary>
[GenerateSerializer, SuppressReferenceTracking, Alias("StreamAttention.AttentionEntry")]
public sealed class AttentionEntry
{
    [Id(0)]
    public List<DateTimeOffset> ImmediateTimes { get; set; } = [];

    [Id(1)]
    public List<Fingerprint> Fingerprints { get; set; } = [];

    [Id(2)]
    public List<UserMatch> Pending { get; set; } = [];

    [Id(3)]
    public DateTimeOffset? NextDigestAt { get; set; }

    /// <summary>Matches counted but not listed, by interest (see <see cref="AttentionState.Unlisted"/>).</summary>
    [Id(4)]
    public Dictionary<string, int> Unlisted { get; set; } = [];

    [Id(5)]
    public bool UnlistedQuietHours { get; set; }

    /// <summary>Ids of pending matches that better ones pushed out of the listed ones (and into <see cref="Unlisted"/>).</summary>
    [Id(6)]
    public List<string> Evicted { get; set; } = [];

    /// <summary>Suppressed near-duplicates counted by these decisions, by the match they repeat (see <see cref="AttentionState.Repeats"/>).</summary>
    [Id(7)]
    public Dictionary<string, DigestRepeat> Repeats { get; set; } = [];

    /// <summary>
    /// Empties the entry once it is persisted, keeping its lists' room: a user decided on all day writes one every few
    /// listing decisions, and a new entry's six objects each time outlived the young generation (the state holds it).
    /// </summary>
    public void Clear()
    {
        ImmediateTimes.Clear();
        Fingerprints.Clear();
        Pending.Clear();
        NextDigestAt = null;
        Unlisted.Clear();
        UnlistedQuietHours = false;
        Evicted.Clear();
        Repeats.Clear();
    }

    /// <summary>Whether these decisions deferred a match, listed or only counted.</summary>
    public bool Defers => Pending.Count > 0 || Unlisted.Count > 0;

    /// <summary>
    /// Whether these decisions listed a match for the digest: the entry must then be persisted before they are
    /// returned. One that only counted matches waits for the next write (a listing decision's, the whole state's, or
    /// the grain's deactivation) unless it gave the digest a line (<see cref="AttentionState.UnwrittenLists"/>): past
    /// the digest's size most deferrals only count, and a write each cost more than the rest of the decision.
    /// </summary>
    public bool Lists => Pending.Count > 0;
}

/// <summary>
/// A match's MinHash sketch (<see cref="MinHashSignature.Sketch"/>), kept to recognise near-duplicates of it: the stored
/// form of one entry of a user's <see cref="FingerprintWindow"/>, which holds the same fields as values. The match id is
/// held as its <see cref="Users.MatchKey"/> (a gateway's id in its UUID's 16 bytes), as the window holds it. Stored by
/// <see cref="Storage.FingerprintCodec"/>; its JSON form, for records stored in JSON before (which held the whole
/// signature), is its public properties, read through the JSON constructor.
/// </summary>
[Immutable, Alias("StreamAttention.Fingerprint")]
public sealed record Fingerprint
{
    public Fingerprint(string matchId, DateTimeOffset at, byte[] sketch)
        : this(MatchKey.Of(matchId), at, sketch)
    {
    }

    internal Fingerprint(MatchKey key, DateTimeOffset at, byte[] sketch)
    {
        MinHashSignature.ThrowIfNotSketch(sketch, nameof(sketch));
        Key = key;
        At = at;
        Sketch = sketch;
    }

    /// <summary>A fingerprint as JSON holds it: its sketch, or the whole signature as records stored before held it.</summary>
    [Newtonsoft.Json.JsonConstructor]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Style", "IDE0051", Justification = "Newtonsoft.Json calls it by reflection.")]
    private Fingerprint(string matchId, DateTimeOffset at, byte[]? sketch, uint[]? signature)
        : this(matchId, at, sketch ?? MinHashSignature.Sketch(signature ?? throw new InvalidOperationException($"The stored fingerprint of match {matchId} has neither a sketch nor a signature.")))
    {
    }

    /// <summary>The match's id as <see cref="RecentMatches"/> keys it too (not public: JSON writes <see cref="MatchId"/>).</summary>
    internal MatchKey Key { get; }

    /// <summary>A new string each time: read it for a decision, not to keep.</summary>
    public string MatchId => Key.ToId();

    public DateTimeOffset At { get; }

    public byte[] Sketch { get; }

    /// <summary>Equal fields, the sketch's bytes included (a record compares arrays by reference).</summary>
    public bool Equals(Fingerprint? other)
        => other is not null && (Key, At) == (other.Key, other.At) && Sketch.AsSpan().SequenceEqual(other.Sketch);

    public override int GetHashCode() => HashCode.Combine(Key, At);
}

/// <summary>One interest's feedback: the threshold offset and the pooled vectors of messages marked "not like this".</summary>
[GenerateSerializer, Alias("StreamAttention.FeedbackState")]
public sealed class FeedbackState
{
    [Id(0)]
    public float Offset { get; set; }

    [Id(1)]
    public List<float[]> NotLikeThis { get; set; } = [];

    [Id(2)]
    public int Relevant { get; set; }

    [Id(3)]
    public int NotRelevant { get; set; }

    /// <summary>A copy to change while this one stays as stored (the examples are replaced whole, never changed in place).</summary>
    public FeedbackState Copy() => new() { Offset = Offset, NotLikeThis = [.. NotLikeThis], Relevant = Relevant, NotRelevant = NotRelevant };
}
