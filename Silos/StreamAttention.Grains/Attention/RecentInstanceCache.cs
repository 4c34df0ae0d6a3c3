using System.Runtime.CompilerServices;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Values computed from recent key instances, one slot per key by its identity (<see cref="RuntimeHelpers.GetHashCode"/>):
/// a key asked for again while its slot still holds it gets the same value; a key whose slot another took is computed
/// anew. Unlike a <see cref="ConditionalWeakTable{TKey, TValue}"/>, whose entries live as long as their keys, it keeps
/// at most <c>slots</c> values, whatever holds the keys. Safe from several threads: a slot is replaced whole.
/// </summary>
public sealed class RecentInstanceCache<TKey, TValue>(int slots, Func<TKey, TValue> compute)
    where TKey : class
{
    private readonly Entry?[] _entries = new Entry?[slots > 0 && int.IsPow2(slots) ? slots : throw new ArgumentOutOfRangeException(nameof(slots), slots, "A power of two.")];

    public TValue Get(TKey key)
    {
        ref var slot = ref _entries[RuntimeHelpers.GetHashCode(key) & (_entries.Length - 1)];
        if (Volatile.Read(ref slot) is { } kept && ReferenceEquals(kept.Key, key))
        {
            return kept.Value;
        }
        var value = compute(key);
        Volatile.Write(ref slot, new Entry(key, value));
        return value;
    }

    private sealed record Entry(TKey Key, TValue Value);
}
