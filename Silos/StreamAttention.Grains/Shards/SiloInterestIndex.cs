using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The silo's interest index: the concatenation of the per-user indexes its shards published, so one run scores a
/// message batch against every shard on the silo, and the silo holds one pooled matrix of its interests rather than
/// one per shard as well, nor one per user: the users' indexes read their rows of it (<see cref="InterestIndex.ShareQueries"/>). All parts share the silo's <see cref="WordTable"/>, so no word vector is copied. Rebuilt only after a shard publishes or withdraws. A shard withdraws when
/// its users change and publishes again once it rebuilt, so a snapshot never holds a stale shard: a shard missing from
/// it is scored through its own grain.
/// </summary>
public sealed class SiloInterestIndex(WordTable words, ScoringOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, IReadOnlyList<InterestIndex>> _published = [];
    private long _version;
    private SiloIndexSnapshot? _current;

    /// <summary>The words that published indexes refer to.</summary>
    public WordTable Words => words;

    /// <summary>Publishes a shard's interests as its users' indexes, in the shard's order.</summary>
    public void Publish(int shard, IReadOnlyList<InterestIndex> users)
    {
        lock (_lock)
        {
            _published[shard] = users;
            _version++;
        }
    }

    public void Withdraw(int shard)
    {
        lock (_lock)
        {
            if (_published.Remove(shard))
            {
                _version++;
            }
        }
    }

    /// <summary>The index of every published shard, built again only if a shard published or withdrew since the last one.</summary>
    public SiloIndexSnapshot Current()
    {
        long version;
        KeyValuePair<int, IReadOnlyList<InterestIndex>>[] parts;
        lock (_lock)
        {
            if (_current?.Version == _version)
            {
                return _current;
            }
            version = _version;
            parts = _published.OrderBy(p => p.Key).ToArray();
        }
        // Built outside the lock: the copy of all the silo's interests must not hold up publishing shards.
        var filled = parts.Where(p => p.Value.Sum(u => u.Count) > 0).ToArray();
        var users = filled.SelectMany(p => p.Value).Where(u => u.Count > 0).ToArray();
        var combined = users.Length switch
        {
            0 => InterestIndex.Empty(words.Dimension),
            1 => users[0],
            _ => InterestIndex.Concat(users, words.Dimension, options),
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
    /// <summary>The shard that published the interest at <paramref name="position"/> in <see cref="Index"/>.</summary>
    public int ShardAt(int position)
    {
        int low = 0, high = Starts.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (Starts[middle] <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return Shards[low];
    }
}
