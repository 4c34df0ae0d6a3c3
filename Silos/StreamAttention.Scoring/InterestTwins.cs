using System.Runtime.InteropServices;

namespace StreamAttention.Scoring;

/// <summary>
/// Interests of one index that score alike against any message, bit for bit: the same text and keyword rules (term
/// evidence and the rules read them) and the same pooled vector and query words (what the engines read). Common in
/// large populations, where many users follow the same phrase: such interests need one measurement, not one each.
/// </summary>
public static class InterestTwins
{
    /// <summary>For each of <paramref name="positions"/> (interests of <paramref name="index"/>), the place in that list of the first one that scores alike.</summary>
    public static int[] FirstOf(InterestIndex index, IReadOnlyList<int> positions)
    {
        var first = new int[positions.Count];
        var seen = new Dictionary<int, int>(new Alike(index));
        for (var k = 0; k < positions.Count; k++)
        {
            first[k] = seen.TryAdd(positions[k], k) ? k : seen[positions[k]];
        }
        return first;
    }

    /// <summary>Interests compared by what their scores are computed from.</summary>
    private sealed class Alike(InterestIndex index) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
        {
            var (first, second) = (index.Interests[a], index.Interests[b]);
            return first.Text == second.Text
                && SameTerms(first.Require, second.Require)
                && SameTerms(first.Exclude, second.Exclude)
                && Pooled(a).SequenceEqual(Pooled(b))
                && WordIds(a).SequenceEqual(WordIds(b))
                && WordWeights(a).SequenceEqual(WordWeights(b));
        }

        public int GetHashCode(int interest)
        {
            var hash = new HashCode();
            hash.Add(index.Interests[interest].Text);
            hash.AddBytes(Pooled(interest));
            return hash.ToHashCode();
        }

        private static bool SameTerms(IReadOnlyList<string>? first, IReadOnlyList<string>? second)
            => first is null ? second is null : second is not null && first.SequenceEqual(second);

        private ReadOnlySpan<byte> Pooled(int interest) => MemoryMarshal.AsBytes(index.Queries.AsSpan(interest * index.Dimension, index.Dimension));

        private ReadOnlySpan<int> WordIds(int interest)
            => index.QueryWordIds.AsSpan(index.QueryOffsets[interest], index.QueryOffsets[interest + 1] - index.QueryOffsets[interest]);

        private ReadOnlySpan<byte> WordWeights(int interest)
            => MemoryMarshal.AsBytes(index.QueryWordWeights.AsSpan(index.QueryOffsets[interest], index.QueryOffsets[interest + 1] - index.QueryOffsets[interest]));
    }
}
