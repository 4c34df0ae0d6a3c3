using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Lexical;

/// <summary>
/// An interest's <c>require</c> / <c>exclude</c> lists as a filter on a message's <see cref="LexicalWords"/>: a
/// message passes only if it contains every required term and none of the excluded ones. A term is a word or a
/// phrase, compared as its sequence of lexical words, so it matches at word boundaries whatever the case and the
/// separators ("DB-EU-1" matches "db-eu-1" and "db eu 1", not "db-eu-12"; "postgres" does not match "postgresql").
/// </summary>
public sealed class KeywordRules
{
    private readonly string[][] _require;
    private readonly string[][] _exclude;

    private KeywordRules(string[][] require, string[][] exclude)
    {
        _require = require;
        _exclude = exclude;
    }

    /// <summary>The rules of the lists, or null when neither holds a term (every message passes).</summary>
    public static KeywordRules? Of(IReadOnlyList<string>? require, IReadOnlyList<string>? exclude)
    {
        var required = Phrases(require);
        var excluded = Phrases(exclude);
        return required.Length == 0 && excluded.Length == 0 ? null : new KeywordRules(required, excluded);
    }

    /// <summary>
    /// A list as stored: each term trimmed, folded as the message's words are (<see cref="UnicodeText.Fold(string)"/>) and
    /// with its whitespace collapsed, terms without a letter or digit and repeated terms dropped; null for no terms.
    /// </summary>
    public static IReadOnlyList<string>? Normalize(IReadOnlyList<string?>? terms)
    {
        var normalized = (terms ?? [])
            .Where(t => t is not null && LexicalWords.Split(t).Length > 0)
            .Select(t => UnicodeText.Fold(string.Join(' ', t!.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        return normalized.Length == 0 ? null : normalized;
    }

    public bool Allows(string[] messageWords)
        => _require.All(term => ContainsPhrase(messageWords, term)) && !_exclude.Any(term => ContainsPhrase(messageWords, term));

    private static string[][] Phrases(IReadOnlyList<string>? terms)
        => (terms ?? []).Select(LexicalWords.Split).Where(words => words.Length > 0).ToArray();

    /// <summary>Whether <paramref name="phrase"/>'s words occur in <paramref name="words"/> next to each other, in order.</summary>
    public static bool ContainsPhrase(string[] words, string[] phrase)
    {
        for (var start = 0; start + phrase.Length <= words.Length; start++)
        {
            if (words.AsSpan(start, phrase.Length).SequenceEqual(phrase))
            {
                return true;
            }
        }
        return false;
    }
}
