using StreamAttention.Contracts;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Scoring;

/// <summary>
/// The message's words with the highest attention weights, best first, as reported with a match (punctuation and
/// function words left out). A word that occurs
/// more than once is one highlight, weighing as its most attended occurrence: the same word repeated would otherwise
/// fill the highlights and hide the others. (Not the occurrences' sum: a filler word repeated through a long window
/// would then outweigh the words the interest attended to.)
/// </summary>
internal static class MatchHighlights
{
    /// <summary>
    /// One pass keeping the best <paramref name="count"/> distinct words in order (the count is small); ties go to the
    /// earlier token. Only a token that would be kept is compared with the kept words, so a repeat costs nothing unless
    /// it is among the best.
    /// </summary>
    public static Highlight[] Top(string[] tokens, ReadOnlySpan<float> weights, int count)
    {
        var kept = Math.Min(count, tokens.Length);
        Span<int> best = stackalloc int[kept];
        var filled = 0;
        for (var t = 0; t < tokens.Length; t++)
        {
            // After every kept token of a weight at least as high, so an earlier token stays ahead of an equal one.
            var at = filled;
            while (at > 0 && weights[t] > weights[best[at - 1]])
            {
                at--;
            }
            if (at == kept || !Shown(tokens[t]) || IndexOf(tokens, best[..at], tokens[t]) >= 0)
            {
                // Not among the best, not a word to show, or its word is kept already at a weight at least as high.
                continue;
            }
            var repeat = IndexOf(tokens, best[at..filled], tokens[t]);
            if (repeat >= 0)
            {
                // Its word is kept at a lower weight: that occurrence leaves, and this one takes its place nearer the top.
                best.Slice(at, repeat).CopyTo(best[(at + 1)..]);
            }
            else
            {
                filled = Math.Min(filled + 1, kept);
                best.Slice(at, filled - 1 - at).CopyTo(best[(at + 1)..]);
            }
            best[at] = t;
        }
        var highlights = new Highlight[filled];
        for (var h = 0; h < filled; h++)
        {
            highlights[h] = new Highlight(tokens[best[h]], weights[best[h]]);
        }
        return highlights;
    }

    /// <summary>
    /// Whether a token is a word worth showing: not punctuation nor a function word. A contextual model keeps both
    /// among its tokens (they carry context) and may attend to them; the static models have neither.
    /// </summary>
    private static bool Shown(string token) => token.Any(char.IsLetterOrDigit) && !WordTokenizer.English.IsStopWord(token.ToLowerInvariant());

    private static int IndexOf(string[] tokens, ReadOnlySpan<int> kept, string token)
    {
        for (var k = 0; k < kept.Length; k++)
        {
            if (string.Equals(tokens[kept[k]], token, StringComparison.Ordinal))
            {
                return k;
            }
        }
        return -1;
    }
}
