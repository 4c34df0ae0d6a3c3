using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>
/// The message's words with the highest attention weights, best first, as reported with a match. A word that occurs
/// more than once is one highlight, weighing as its most attended occurrence: the same word repeated would otherwise
/// fill the highlights and hide the others. (Not the occurrences' sum: a filler word repeated through a long window
/// would then outweigh the words the interest attended to.)
/// </summary>
internal static class MatchHighlights
{
    /// <summary>Keeps the best <paramref name="count"/> words in one pass (the count is small); ties go to the word that occurs first.</summary>
    public static Highlight[] Top(string[] tokens, ReadOnlySpan<float> weights, int count)
    {
        var n = tokens.Length;
        var wordWeights = n <= 256 ? stackalloc float[n] : new float[n];
        var repeat = n <= 256 ? stackalloc bool[n] : new bool[n];
        var words = WeighRepeats(tokens, weights[..n], wordWeights, repeat);
        var kept = Math.Min(count, words);
        Span<int> best = stackalloc int[kept];
        var filled = 0;
        for (var t = 0; t < n; t++)
        {
            if (repeat[t])
            {
                continue;
            }
            // After every kept word of a weight at least as high, so an earlier word stays ahead of an equal one.
            var at = filled;
            while (at > 0 && wordWeights[t] > wordWeights[best[at - 1]])
            {
                at--;
            }
            if (at == kept)
            {
                continue;
            }
            filled = Math.Min(filled + 1, kept);
            best.Slice(at, filled - 1 - at).CopyTo(best[(at + 1)..]);
            best[at] = t;
        }
        var highlights = new Highlight[kept];
        for (var h = 0; h < kept; h++)
        {
            highlights[h] = new Highlight(tokens[best[h]], wordWeights[best[h]]);
        }
        return highlights;
    }

    /// <summary>
    /// Each word's highest weight at its first occurrence, later occurrences marked in <paramref name="repeat"/>; returns
    /// the number of distinct words. Tokens are compared by a key of length and end characters first, so the quadratic
    /// scan (a message's window is tens of words) compares strings only where those agree.
    /// </summary>
    private static int WeighRepeats(string[] tokens, ReadOnlySpan<float> weights, Span<float> wordWeights, Span<bool> repeat)
    {
        var n = tokens.Length;
        var keys = n <= 256 ? stackalloc int[n] : new int[n];
        var words = 0;
        for (var t = 0; t < n; t++)
        {
            var token = tokens[t];
            keys[t] = token.Length == 0 ? 0 : (token.Length << 20) ^ (token[0] << 10) ^ token[^1];
            wordWeights[t] = weights[t];
            for (var u = 0; u < t; u++)
            {
                // The earliest equal token is its word's first occurrence.
                if (keys[u] == keys[t] && string.Equals(tokens[u], token, StringComparison.Ordinal))
                {
                    wordWeights[u] = Math.Max(wordWeights[u], weights[t]);
                    repeat[t] = true;
                    break;
                }
            }
            words += repeat[t] ? 0 : 1;
        }
        return words;
    }
}
