using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// One interest's queries in an <see cref="InterestIndex"/>: its pooled vector (stage 1, the embedded row's, not copied) and its stage-2 query words
/// as ids into a <see cref="WordTable"/> with their weights (summing to 1 where it has words).
/// </summary>
public sealed record InterestQueries(float[] Pooled, int[] WordIds, float[] Weights)
{
    /// <summary>The queries of an embedded interest text, its words interned into <paramref name="words"/>.</summary>
    public static InterestQueries Of(EmbeddedText row, WordTable words, ScoringOptions options)
    {
        var dimension = words.Dimension;
        if (options.Queries == InterestQueryMode.Pooled)
        {
            return new InterestQueries(row.Pooled, [words.Intern(row.Pooled)], [1f]);
        }
        var kept = Math.Min(row.Tokens.Length, options.MaxQueriesPerInterest);
        var weights = row.TokenWeights.AsSpan(0, kept).ToArray();
        var total = TensorPrimitives.Sum<float>(weights);
        if (total > 0)
        {
            TensorPrimitives.Divide(weights, total, weights);
        }
        var wordIds = new int[kept];
        for (var t = 0; t < kept; t++)
        {
            wordIds[t] = words.Intern(row.TokenVectors.AsSpan(t * dimension, dimension));
        }
        return new InterestQueries(row.Pooled, wordIds, weights);
    }

    /// <summary>These queries in <paramref name="words"/> instead of <paramref name="from"/>.</summary>
    public InterestQueries MovedTo(WordTable words, WordTable from)
        => this with { WordIds = Array.ConvertAll(WordIds, id => words.Intern(from.Vector(id))) };
}
