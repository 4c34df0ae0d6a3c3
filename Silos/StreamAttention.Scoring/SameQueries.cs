using System.Runtime.InteropServices;

namespace StreamAttention.Scoring;

/// <summary>
/// Interests of one index compared by what the engines read from them: the bits of their pooled vectors and query
/// words (ids and weights, in order). Equal interests score alike against any message, bit for bit.
/// </summary>
internal sealed class SameQueries(InterestIndex index) : IEqualityComparer<int>
{
    public bool Equals(int a, int b)
        => Pooled(a).SequenceEqual(Pooled(b)) && WordIds(a).SequenceEqual(WordIds(b)) && WordWeights(a).SequenceEqual(WordWeights(b));

    public int GetHashCode(int interest)
    {
        var hash = new HashCode();
        hash.AddBytes(Pooled(interest));
        hash.AddBytes(MemoryMarshal.AsBytes(WordIds(interest)));
        return hash.ToHashCode();
    }

    private ReadOnlySpan<byte> Pooled(int interest) => MemoryMarshal.AsBytes(index.Queries.Span.Slice(interest * index.Dimension, index.Dimension));

    private ReadOnlySpan<int> WordIds(int interest)
        => index.QueryWordIds.AsSpan(index.QueryOffsets[interest], index.QueryOffsets[interest + 1] - index.QueryOffsets[interest]);

    private ReadOnlySpan<byte> WordWeights(int interest)
        => MemoryMarshal.AsBytes(index.QueryWordWeights.AsSpan(index.QueryOffsets[interest], index.QueryOffsets[interest + 1] - index.QueryOffsets[interest]));
}
