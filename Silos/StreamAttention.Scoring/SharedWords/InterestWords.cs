using System.Runtime.InteropServices;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Every interest of an index as a sparse list of (word id, weight) over the index's <see cref="WordTable"/>, each
/// distinct word once per interest. A query vector's attention over a message does not depend on the interest it came
/// from, so it is computed once per message for all interests that contain it. Repeated words of one interest become
/// one entry with their weights summed (scores and highlights are linear in the weights).
/// </summary>
public sealed class InterestWords
{
    private readonly WordTable _table;

    private InterestWords(WordTable table, int[] offsets, int[] wordIds, float[] weights)
    {
        _table = table;
        Offsets = offsets;
        WordIds = wordIds;
        Weights = weights;
        SameAs = FirstWithSameEntries();
        FirstTwins = Enumerable.Range(0, SameAs.Length).Where(i => SameAs[i] == i).ToArray();
    }

    /// <summary>Word ids are below this count.</summary>
    public int Count => _table.Count;

    public int Dimension => _table.Dimension;

    /// <summary>[interests + 1]: interest i's entries are [Offsets[i], Offsets[i + 1]) of <see cref="WordIds"/> and <see cref="Weights"/>.</summary>
    public int[] Offsets { get; }

    public int[] WordIds { get; }

    /// <summary>Word weights, summing to 1 per interest that has words.</summary>
    public float[] Weights { get; }

    /// <summary>
    /// [interests]: the first interest with the same entries in the same order (itself if none comes before): its
    /// attention score and highlights over any message are the same, bit for bit, so a message computes them once.
    /// Common in large populations, where many users follow the same phrase.
    /// </summary>
    public int[] SameAs { get; }

    /// <summary>The interests that are their own <see cref="SameAs"/>: one of each set of twins, ascending.</summary>
    public int[] FirstTwins { get; }

    public ReadOnlySpan<float> Vector(int word) => _table.Vector(word);

    private ReadOnlySpan<int> IdsOf(int interest) => WordIds.AsSpan(Offsets[interest], Offsets[interest + 1] - Offsets[interest]);

    private ReadOnlySpan<float> WeightsOf(int interest) => Weights.AsSpan(Offsets[interest], Offsets[interest + 1] - Offsets[interest]);

    private int[] FirstWithSameEntries()
    {
        var sameAs = new int[Offsets.Length - 1];
        var first = new Dictionary<int, int>(new SameEntries(this));
        for (var i = 0; i < sameAs.Length; i++)
        {
            sameAs[i] = first.TryAdd(i, i) ? i : first[i];
        }
        return sameAs;
    }

    /// <summary>Interests compared by their entries' bits (word ids and weights, in order).</summary>
    private sealed class SameEntries(InterestWords words) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
            => words.IdsOf(a).SequenceEqual(words.IdsOf(b))
                && MemoryMarshal.AsBytes(words.WeightsOf(a)).SequenceEqual(MemoryMarshal.AsBytes(words.WeightsOf(b)));

        public int GetHashCode(int interest)
        {
            var hash = new HashCode();
            hash.AddBytes(MemoryMarshal.AsBytes(words.IdsOf(interest)));
            hash.AddBytes(MemoryMarshal.AsBytes(words.WeightsOf(interest)));
            return hash.ToHashCode();
        }
    }

    public static InterestWords Build(InterestIndex index)
    {
        var offsets = new int[index.Count + 1];
        var wordIds = new List<int>(index.QueryWordIds.Length);
        var weights = new List<float>(index.QueryWordIds.Length);
        var row = new Dictionary<int, float>();
        for (var i = 0; i < index.Count; i++)
        {
            row.Clear();
            for (var e = index.QueryOffsets[i]; e < index.QueryOffsets[i + 1]; e++)
            {
                var weight = index.QueryWordWeights[e];
                if (weight != 0)
                {
                    row[index.QueryWordIds[e]] = row.GetValueOrDefault(index.QueryWordIds[e]) + weight;
                }
            }
            foreach (var (id, weight) in row)
            {
                wordIds.Add(id);
                weights.Add(weight);
            }
            offsets[i + 1] = wordIds.Count;
        }
        return new InterestWords(index.Words, offsets, [.. wordIds], [.. weights]);
    }
}
