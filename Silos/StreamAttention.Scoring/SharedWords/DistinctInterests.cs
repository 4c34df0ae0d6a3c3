using System.Runtime.InteropServices;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The distinct interests of an index as the shared-words engine reads them: interests with the same pooled vector and
/// the same query words (ids and weights, in order) score alike against any message, bit for bit. Common in large
/// populations, where many users follow the same phrase ("kafka outages"): the engine scores each distinct interest
/// once per message (cosine, attention, sum, highlights) and fans its raw score out to every interest of it, each
/// decided by its own threshold. Immutable; built once per index.
/// </summary>
public sealed class DistinctInterests
{
    private readonly int[] _offsets;
    private readonly int[] _members;

    private DistinctInterests(InterestIndex index, int[] of, int[] firsts)
    {
        Of = of;
        Firsts = firsts;
        Dimension = index.Dimension;
        // Every interest distinct: the index's own matrix, not a copy.
        Queries = firsts.Length == index.Count ? index.Queries : Copy(index.Queries.Span, firsts, index.Dimension);
        (_offsets, _members) = Group(of, firsts.Length);
        Words = InterestWords.Build(index, firsts);
    }

    /// <summary>Distinct interests; each is numbered by the order of its first interest.</summary>
    public int Count => Firsts.Length;

    public int Dimension { get; }

    /// <summary>[interests]: the distinct interest of each interest of the index.</summary>
    public int[] Of { get; }

    /// <summary>[Count]: the first interest of each distinct interest, ascending.</summary>
    public int[] Firsts { get; }

    /// <summary>[Count, Dimension] pooled vectors: the prefilter's queries.</summary>
    public ReadOnlyMemory<float> Queries { get; }

    /// <summary>The query words of each distinct interest.</summary>
    public InterestWords Words { get; }

    /// <summary>The interests of <paramref name="distinct"/>, ascending.</summary>
    public ReadOnlySpan<int> MembersOf(int distinct) => _members.AsSpan(_offsets[distinct], _offsets[distinct + 1] - _offsets[distinct]);

    /// <summary>
    /// Per distinct interest, the lowest threshold of its interests (NaN thresholds, which no score reaches, ignored):
    /// a pair of it can reach some interest's threshold only if it reaches this one, and every bound derived from a
    /// threshold is monotone in it, so the engine prunes with it and decides each interest by its own afterwards.
    /// </summary>
    public float[] LowestThresholds(float[] thresholds)
    {
        var lowest = new float[Count];
        Array.Fill(lowest, float.PositiveInfinity);
        for (var i = 0; i < Of.Length; i++)
        {
            if (thresholds[i] < lowest[Of[i]])
            {
                lowest[Of[i]] = thresholds[i];
            }
        }
        return lowest;
    }

    /// <summary>The index's interests grouped by what the engine reads from them.</summary>
    public static DistinctInterests Build(InterestIndex index)
    {
        var of = new int[index.Count];
        var firsts = new List<int>();
        var seen = new Dictionary<int, int>(new SameQueries(index));
        for (var i = 0; i < of.Length; i++)
        {
            // One hash of the interest (its pooled vector and words) per lookup: look it up once.
            ref var distinct = ref CollectionsMarshal.GetValueRefOrAddDefault(seen, i, out var exists);
            if (!exists)
            {
                distinct = firsts.Count;
                firsts.Add(i);
            }
            of[i] = distinct;
        }
        return new DistinctInterests(index, of, [.. firsts]);
    }

    /// <summary>Every interest of the index on its own, twins included.</summary>
    public static DistinctInterests Separate(InterestIndex index)
    {
        var each = Enumerable.Range(0, index.Count).ToArray();
        return new DistinctInterests(index, each, each);
    }

    private static float[] Copy(ReadOnlySpan<float> queries, int[] rows, int dimension)
    {
        var copy = new float[rows.Length * dimension];
        for (var d = 0; d < rows.Length; d++)
        {
            queries.Slice(rows[d] * dimension, dimension).CopyTo(copy.AsSpan(d * dimension));
        }
        return copy;
    }

    /// <summary>The interests of each group, ascending, as offsets into one array (a counting sort).</summary>
    private static (int[] Offsets, int[] Members) Group(int[] of, int count)
    {
        var offsets = new int[count + 1];
        foreach (var d in of)
        {
            offsets[d + 1]++;
        }
        for (var d = 0; d < count; d++)
        {
            offsets[d + 1] += offsets[d];
        }
        var members = new int[of.Length];
        var next = offsets[..count];
        for (var i = 0; i < of.Length; i++)
        {
            members[next[of[i]]++] = i;
        }
        return (offsets, members);
    }
}
