namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Distinct interests (<see cref="DistinctInterests"/>) as sparse lists of (word, weight), each distinct word once per
/// interest. A query vector's attention over a message does not depend on the interest it came from, so it is computed
/// once per message for all interests that contain it. The words are numbered 0 … <see cref="Count"/> − 1 here (columns,
/// in order of first use), so that a run over all of them needs no per-run numbering. Repeated words of one interest
/// become one entry with their weights summed (scores and highlights are linear in the weights).
/// </summary>
public sealed class InterestWords
{
    private readonly WordTable _table;
    private readonly int[] _tableIds;

    private InterestWords(WordTable table, int[] tableIds, int[] offsets, int[] columns, float[] weights)
    {
        _table = table;
        _tableIds = tableIds;
        Offsets = offsets;
        Columns = columns;
        Weights = weights;
        HasNegativeWeights = Array.Exists(weights, w => w < 0);
    }

    /// <summary>Distinct words of these interests: columns are below this count.</summary>
    public int Count => _tableIds.Length;

    public int Dimension => _table.Dimension;

    /// <summary>[interests + 1]: interest i's entries are [Offsets[i], Offsets[i + 1]) of <see cref="Columns"/> and <see cref="Weights"/>.</summary>
    public int[] Offsets { get; }

    /// <summary>By entry, its word's column.</summary>
    public int[] Columns { get; }

    /// <summary>Word weights, summing to 1 per interest that has words.</summary>
    public float[] Weights { get; }

    /// <summary>Whether some weight is negative (an embedder's own token weights may be): then a weighted sum has no bound from its words' best scores.</summary>
    public bool HasNegativeWeights { get; }

    /// <summary>The query vector of the word in <paramref name="column"/>.</summary>
    public ReadOnlySpan<float> Vector(int column) => _table.Vector(_tableIds[column]);

    /// <summary>The words of the index's interests at <paramref name="positions"/>, in that order.</summary>
    public static InterestWords Build(InterestIndex index, IReadOnlyList<int> positions)
    {
        var offsets = new int[positions.Count + 1];
        var columns = new List<int>(index.QueryWordIds.Length);
        var weights = new List<float>(index.QueryWordIds.Length);
        var columnOf = new Dictionary<int, int>();
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
                if (!columnOf.TryGetValue(id, out var column))
                {
                    column = columnOf.Count;
                    columnOf.Add(id, column);
                }
                columns.Add(column);
                weights.Add(weight);
            }
            offsets[k + 1] = columns.Count;
        }
        var tableIds = new int[columnOf.Count];
        foreach (var (id, column) in columnOf)
        {
            tableIds[column] = id;
        }
        return new InterestWords(index.Words, tableIds, offsets, [.. columns], [.. weights]);
    }
}
