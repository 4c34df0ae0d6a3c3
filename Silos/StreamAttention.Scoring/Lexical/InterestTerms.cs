using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Scoring.Lexical;

/// <summary>The lexical side of an <see cref="InterestIndex"/>: each interest's keyword rules and its query words for term evidence.</summary>
public sealed class InterestTerms
{
    private readonly Lazy<string[][]> _queryWords;

    private InterestTerms(InterestIndex interests)
    {
        Rules = interests.Interests.Select(i => KeywordRules.Of(i.Require, i.Exclude)).ToArray();
        HasRules = Rules.Any(r => r is not null);
        // Stop words say nothing about a topic; numbers and codes do, so unlike the embedders' tokens they stay.
        _queryWords = new Lazy<string[][]>(() => interests.Interests
            .Select(i => LexicalWords.Split(i.Text).Where(w => !WordTokenizer.English.IsStopWord(w)).Distinct(StringComparer.Ordinal).ToArray())
            .ToArray());
    }

    /// <summary>Per interest, its rules, or null when it has none.</summary>
    public KeywordRules?[] Rules { get; }

    public bool HasRules { get; }

    /// <summary>Per interest, the distinct lexical words of its text that are not stop words.</summary>
    public string[][] QueryWords => _queryWords.Value;

    /// <summary>The interests among <paramref name="candidates"/> whose rules allow a message with this text.</summary>
    public int[] Allowing(string? text, int[] candidates)
    {
        if (!HasRules)
        {
            return candidates;
        }
        var words = LexicalWords.Split(text);
        return Array.FindAll(candidates, i => Rules[i]?.Allows(words) ?? true);
    }

    public static InterestTerms Build(InterestIndex interests) => new(interests);
}
