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
        private readonly SameQueries _queries = new(index);

        public bool Equals(int a, int b)
        {
            var (first, second) = (index.Interests[a], index.Interests[b]);
            return first.Text == second.Text
                && SameTerms(first.Require, second.Require)
                && SameTerms(first.Exclude, second.Exclude)
                && _queries.Equals(a, b);
        }

        public int GetHashCode(int interest) => HashCode.Combine(index.Interests[interest].Text, _queries.GetHashCode(interest));

        private static bool SameTerms(IReadOnlyList<string>? first, IReadOnlyList<string>? second)
            => first is null ? second is null : second is not null && first.SequenceEqual(second);
    }
}
