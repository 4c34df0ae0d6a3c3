using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>The message tokens with the highest attention weights, best first, as reported with a match.</summary>
internal static class MatchHighlights
{
    /// <summary>One pass keeping the best <paramref name="count"/> in order (the count is small); ties go to the earlier token.</summary>
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
            highlights[h] = new Highlight(tokens[best[h]], weights[best[h]]);
        }
        return highlights;
    }
}
