using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The silo's interest index: the concatenation of the indexes its shards published, so one run scores a message
/// batch against every shard on the silo. Rebuilt only after a shard publishes or withdraws. A shard withdraws when
/// its users change and publishes again once it rebuilt, so a snapshot never holds a stale shard: a shard missing from
/// it is scored through its own grain.
/// </summary>
public sealed class SiloInterestIndex(int dimension, ScoringOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, InterestIndex> _published = [];
    private long _version;
    private SiloIndexSnapshot? _current;

    public void Publish(int shard, InterestIndex index)
    {
        lock (_lock)
        {
            _published[shard] = index;
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
        KeyValuePair<int, InterestIndex>[] parts;
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
        var filled = parts.Where(p => p.Value.Count > 0).ToArray();
        var indexes = filled.Select(p => p.Value).ToArray();
        var combined = indexes.Length switch
        {
            0 => InterestIndex.Empty(dimension),
            1 => indexes[0],
            _ => InterestIndex.Concat(indexes, dimension, options),
        };
        var snapshot = new SiloIndexSnapshot(version, combined, parts.Select(p => p.Key).ToArray(), filled.Select(p => p.Key).ToArray(), Starts(indexes));
        lock (_lock)
        {
            if (_version == version)
            {
                _current = snapshot;
            }
        }
        return snapshot;
    }

    private static int[] Starts(InterestIndex[] indexes)
    {
        var starts = new int[indexes.Length];
        for (int i = 0, total = 0; i < indexes.Length; total += indexes[i].Count, i++)
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
