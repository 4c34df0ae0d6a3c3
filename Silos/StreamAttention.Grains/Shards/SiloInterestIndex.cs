using System.Collections;
using System.Runtime.InteropServices;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The silo's interest index: the concatenation of the per-user indexes its shards published, so one run scores a
/// message batch against every shard on the silo, and the silo holds one pooled matrix of its interests rather than
/// one per shard as well, nor one per user: the users' indexes read their rows of it (<see cref="InterestIndex.ShareQueries"/>). All parts share the silo's <see cref="WordTable"/>, so no word vector is copied. Rebuilt only after a shard publishes or withdraws. A shard withdraws when
/// its users change and publishes again once it rebuilt, so a snapshot never holds a stale shard: a shard missing from
/// it is scored through its own grain.
/// The word table is append-only, so the words of interests since changed or removed stay in it: once fewer than half
/// of a table's words (and more than <see cref="MinWordsToReplace"/>) are in the published interests, new indexes go to
/// a new table, the silo's index is built over it, and each shard moves its users' indexes there
/// (<see cref="OnCurrentWords"/>), so the old table and its unused words go once nothing refers to them. Interests
/// that name ever new words (host names, ticket numbers) made the silo's heap grow for as long as it ran.
/// </summary>
public sealed class SiloInterestIndex(WordTable words, ScoringOptions options)
{
    /// <summary>A table of at most this many words is kept whatever it holds: copying the used ones would save little.</summary>
    public const int MinWordsToReplace = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, IReadOnlyList<InterestIndex>> _published = [];

    /// <summary>Shards withdrawn for a change that publish again: their users' words are used, though in no snapshot.</summary>
    private readonly HashSet<int> _changing = [];
    private WordTable _words = words;
    private long _version;
    private SiloIndexSnapshot? _current;

    /// <summary>The table new indexes intern their words into, and the silo's index is built over.</summary>
    public WordTable Words => Volatile.Read(ref _words);

    /// <summary><paramref name="index"/> itself while it is over <see cref="Words"/>, else a copy of it over them.</summary>
    public InterestIndex OnCurrentWords(InterestIndex index)
    {
        var current = Words;
        return ReferenceEquals(index.Words, current) ? index : InterestIndex.Concat([index], current.Dimension, options, current);
    }

    /// <summary>Publishes a shard's interests as its users' indexes, in the shard's order.</summary>
    public void Publish(int shard, IReadOnlyList<InterestIndex> users)
    {
        lock (_lock)
        {
            _published[shard] = users;
            _changing.Remove(shard);
            _version++;
        }
    }

    /// <summary>Leaves the shard out until it publishes again, its users having changed.</summary>
    public void Withdraw(int shard) => Remove(shard, changing: true);

    /// <summary>Leaves the shard out for good: its users are no longer this silo's (it deactivated).</summary>
    public void Leave(int shard) => Remove(shard, changing: false);

    private void Remove(int shard, bool changing)
    {
        lock (_lock)
        {
            if (_published.Remove(shard))
            {
                _version++;
            }
            if (changing)
            {
                _changing.Add(shard);
            }
            else
            {
                _changing.Remove(shard);
            }
        }
    }

    /// <summary>The index of every published shard, built again only if a shard published or withdrew since the last one.</summary>
    public SiloIndexSnapshot Current()
    {
        long version;
        KeyValuePair<int, IReadOnlyList<InterestIndex>>[] parts;
        WordTable words;
        bool complete;
        lock (_lock)
        {
            if (_current?.Version == _version)
            {
                return _current;
            }
            version = _version;
            parts = _published.OrderBy(p => p.Key).ToArray();
            words = _words;
            complete = _changing.Count == 0;
        }
        // Built outside the lock: the copy of all the silo's interests must not hold up publishing shards.
        var filled = parts.Where(p => p.Value.Sum(u => u.Count) > 0).ToArray();
        var users = filled.SelectMany(p => p.Value).Where(u => u.Count > 0).ToArray();
        var combined = users.Length switch
        {
            0 => InterestIndex.Empty(words.Dimension),
            1 => users[0],
            _ => InterestIndex.Concat(users, words.Dimension, options, words),
        };
        var snapshot = new SiloIndexSnapshot(version, combined, parts.Select(p => p.Key).ToArray(), filled.Select(p => p.Key).ToArray(), Starts(filled));
        lock (_lock)
        {
            if (_version != version)
            {
                return snapshot;
            }
            _current = snapshot;
        }
        if (complete)
        {
            ReplaceWordsIfMostlyUnused(words, combined);
        }
        // The users' indexes read their pooled vectors from the silo's matrix from now on, so the silo holds one copy of
        // them, not two: a rebuild copies them from there (their last snapshot's matrix lives as long as they refer to it).
        if (!ReferenceEquals(combined, users.FirstOrDefault()))
        {
            for (int u = 0, first = 0; u < users.Length; first += users[u].Count, u++)
            {
                users[u].ShareQueries(combined, first);
            }
        }
        return snapshot;
    }

    /// <summary>
    /// Starts a new table when fewer than half of <paramref name="words"/> are in <paramref name="combined"/>, the
    /// published interests. Judged only while no shard is withdrawn for a change: its users' words are used all the same.
    /// </summary>
    private void ReplaceWordsIfMostlyUnused(WordTable words, InterestIndex combined)
    {
        var count = words.Count;
        if (count <= MinWordsToReplace)
        {
            return;
        }
        // A single user's index may be over a table replaced before, not moved yet: its words tell nothing of this one.
        if (combined.Count > 0 && !ReferenceEquals(combined.Words, words))
        {
            return;
        }
        var used = new BitArray(count);
        var distinct = 0;
        foreach (var id in combined.QueryWordIds)
        {
            if (!used[id])
            {
                used[id] = true;
                distinct++;
            }
        }
        if (count > 2 * distinct)
        {
            Interlocked.CompareExchange(ref _words, new WordTable(words.Dimension), words);
        }
    }

    private static int[] Starts(KeyValuePair<int, IReadOnlyList<InterestIndex>>[] shards)
    {
        var starts = new int[shards.Length];
        for (int i = 0, total = 0; i < shards.Length; total += shards[i].Value.Sum(u => u.Count), i++)
        {
            starts[i] = total;
        }
        return starts;
    }
}

/// <summary>
/// One version of the silo's interest index. <paramref name="Covered"/>: every published shard, empty ones included;
/// <paramref name="Shards"/> and <paramref name="Starts"/>: the shards with interests and where their rows start.
/// </summary>
public sealed record SiloIndexSnapshot(long Version, InterestIndex Index, int[] Covered, int[] Shards, int[] Starts)
{
    /// <summary>
    /// Per row of <see cref="Index"/>, what its matches name (24 bytes a row): a run's matches are grouped without a
    /// search per pair, and each pair reads one entry here rather than the row's interest, a heap object of its own.
    /// </summary>
    private readonly Row[] _rows = Rows(Index, Starts);

    /// <summary>The shard that published the interest at <paramref name="position"/> in <see cref="Index"/>.</summary>
    public int ShardAt(int position) => Shards[_rows[position].Shard];

    /// <summary>
    /// The matches of <paramref name="pairs"/>, scored against <see cref="Index"/>, grouped by the shard that published
    /// each interest: one group per shard of <see cref="Covered"/>, in its order, empty where a shard has none.
    /// </summary>
    public ShardMatches[] Matches(List<RowMatch> pairs)
    {
        var span = CollectionsMarshal.AsSpan(pairs);
        // Counted first, so that each shard's list is allocated once, at its size.
        var counts = new int[Shards.Length];
        foreach (ref readonly var pair in span)
        {
            counts[_rows[pair.InterestIndex].Shard]++;
        }
        var groups = Array.ConvertAll(counts, count => new List<TextMatch>(count));
        foreach (ref readonly var pair in span)
        {
            ref readonly var row = ref _rows[pair.InterestIndex];
            groups[row.Shard].Add(new TextMatch(pair.MessageIndex, row.UserId, row.InterestId, pair.Score, pair.Highlights, Truncated: pair.Truncated, RawScore: pair.RawScore));
        }
        // Shards lists the covered shards that have interests, in the same order.
        var matches = new ShardMatches[Covered.Length];
        for (int c = 0, s = 0; c < Covered.Length; c++)
        {
            matches[c] = new ShardMatches(Covered[c], s < Shards.Length && Shards[s] == Covered[c] ? groups[s++] : []);
        }
        return matches;
    }

    private static Row[] Rows(InterestIndex index, int[] starts)
    {
        var rows = new Row[index.Count];
        for (var s = 0; s < starts.Length; s++)
        {
            var end = s + 1 < starts.Length ? starts[s + 1] : rows.Length;
            for (var r = starts[s]; r < end; r++)
            {
                var interest = index.Interests[r];
                rows[r] = new Row(interest.UserId!, interest.Id, checked((ushort)s));
            }
        }
        return rows;
    }

    /// <param name="Shard">The row's shard's position in <see cref="Shards"/>.</param>
    private readonly record struct Row(string UserId, string InterestId, ushort Shard);
}
