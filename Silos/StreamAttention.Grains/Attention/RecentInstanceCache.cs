using System.Runtime.CompilerServices;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Values computed from recent key instances, found by identity (<see cref="RuntimeHelpers.GetHashCode"/>): a key's hash
/// picks one of <c>sets</c> sets of <c>ways</c> slots; a key asked for again while its set still holds it gets the same
/// value, and a key not held is computed anew into its set's oldest slot, so up to <c>ways</c> keys that share a set are
/// kept together (with one slot a set, two keys asked for in turn would take it from each other every time). Unlike a
/// <see cref="ConditionalWeakTable{TKey, TValue}"/>, whose entries live as long as their keys, it keeps at most
/// <c>sets × ways</c> values, whatever holds the keys. Safe from several threads: a slot is replaced whole, and each miss
/// takes its own turn in its set's order; misses at once may keep one key twice, or replace a slot not the oldest.
/// </summary>
public sealed class RecentInstanceCache<TKey, TValue>
    where TKey : class
{
    private readonly Entry?[] _slots;
    private readonly int _ways;
    private readonly Func<TKey, TValue> _compute;

    /// <summary>Per set, how many of its slots were filled: the next to fill is the oldest.</summary>
    private readonly int[] _filled;

    public RecentInstanceCache(int sets, int ways, Func<TKey, TValue> compute)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ways, 1);
        if (sets <= 0 || !int.IsPow2(sets))
        {
            throw new ArgumentOutOfRangeException(nameof(sets), sets, "A power of two.");
        }
        _slots = new Entry?[checked(sets * ways)];
        _filled = new int[sets];
        _ways = ways;
        _compute = compute;
    }

    public TValue Get(TKey key)
    {
        var set = RuntimeHelpers.GetHashCode(key) & (_filled.Length - 1);
        var slots = _slots.AsSpan(set * _ways, _ways);
        foreach (ref var slot in slots)
        {
            if (Volatile.Read(ref slot) is { } kept && ReferenceEquals(kept.Key, key))
            {
                return kept.Value;
            }
        }
        var value = _compute(key);
        var oldest = (int)((uint)(Interlocked.Increment(ref _filled[set]) - 1) % (uint)_ways);
        Volatile.Write(ref slots[oldest], new Entry(key, value));
        return value;
    }

    private sealed record Entry(TKey Key, TValue Value);
}
