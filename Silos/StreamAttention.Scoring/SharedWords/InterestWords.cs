namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Distinct interests (<see cref="DistinctInterests"/>) as sparse lists of (word id, weight) over the index's
/// <see cref="WordTable"/>, each distinct word once per interest. A query vector's attention over a message does not
/// depend on the interest it came from, so it is computed once per message for all interests that contain it.
/// Repeated words of one interest become one entry with their weights summed (scores and highlights are linear in the weights).
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
    }

    /// <summary>Word ids are below this count.</summary>
    public int Count => _table.Count;

    public int Dimension => _table.Dimension;

    /// <summary>[interests + 1]: interest i's entries are [Offsets[i], Offsets[i + 1]) of <see cref="WordIds"/> and <see cref="Weights"/>.</summary>
    public int[] Offsets { get; }

    public int[] WordIds { get; }

    /// <summary>Word weights, summing to 1 per interest that has words.</summary>
    public float[] Weights { get; }

    public ReadOnlySpan<float> Vector(int word) => _table.Vector(word);

    /// <summary>The words of the index's interests at <paramref name="positions"/>, in that order.</summary>
    public static InterestWords Build(InterestIndex index, IReadOnlyList<int> positions)
    {
        var offsets = new int[positions.Count + 1];
        var wordIds = new List<int>(index.QueryWordIds.Length);
        var weights = new List<float>(index.QueryWordIds.Length);
        var row = new Dictionary<int, float>();
        for (var k = 0; k < positions.Count; k++)
        {
            var i = positions[k];
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
            offsets[k + 1] = wordIds.Count;
        }
        return new InterestWords(index.Words, offsets, [.. wordIds], [.. weights]);
    }
}
