using StreamAttention.Contracts;

namespace StreamAttention.Scoring;

/// <summary>The message tokens with the highest attention weights, best first, as reported with a match.</summary>
internal static class MatchHighlights
{
    /// <summary>A partial selection (the count is small); ties go to the earlier token.</summary>
    public static Highlight[] Top(string[] tokens, ReadOnlySpan<float> weights, int count)
    {
        var highlights = new Highlight[Math.Min(count, tokens.Length)];
        Span<bool> taken = stackalloc bool[tokens.Length];
        for (var h = 0; h < highlights.Length; h++)
        {
            var best = -1;
            for (var t = 0; t < tokens.Length; t++)
            {
                if (!taken[t] && (best < 0 || weights[t] > weights[best]))
                {
                    best = t;
                }
            }
            taken[best] = true;
            highlights[h] = new Highlight(tokens[best], weights[best]);
        }
        return highlights;
    }
}
