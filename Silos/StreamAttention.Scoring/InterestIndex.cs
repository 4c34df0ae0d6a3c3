using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// Interests as dense matrices: the pooled vector of each interest (stage-1 query), its cross-attention query vectors
/// with weights (stage 2), and its effective threshold. The interests' token vectors are kept for explanations.
/// Immutable; rebuild to change.
/// </summary>
public sealed class InterestIndex
{
    private InterestIndex(IReadOnlyList<InterestDefinition> interests, TokenBatch embedded, float[] thresholds, float[] queryVectors, float[] queryWeights, int queriesPerInterest)
    {
        Interests = interests;
        Embedded = embedded;
        Thresholds = thresholds;
        QueryVectors = queryVectors;
        QueryWeights = queryWeights;
        QueriesPerInterest = queriesPerInterest;
    }

    public static InterestIndex Empty(int dimension) => new([], new TokenBatch(0, 1, dimension), [], [], [], 1);

    public IReadOnlyList<InterestDefinition> Interests { get; }

    /// <summary>The embedded interest texts.</summary>
    public TokenBatch Embedded { get; }

    /// <summary>[Count, Dimension] unit pooled vectors: the stage-1 queries.</summary>
    public float[] Queries => Embedded.Pooled;

    /// <summary>[Count, QueriesPerInterest, Dimension] stage-2 query vectors, zero rows for padding.</summary>
    public float[] QueryVectors { get; }

    /// <summary>[Count, QueriesPerInterest] weights of the stage-2 query vectors, summing to 1 per interest (0 for padding).</summary>
    public float[] QueryWeights { get; }

    public int QueriesPerInterest { get; }

    /// <summary>Effective minimum final score per interest (its own, else the default).</summary>
    public float[] Thresholds { get; }

    public int Count => Interests.Count;

    public int Dimension => Embedded.Dimension;

    /// <summary>Embeds the interests. Ids must be unique per user: a duplicate is a caller error, not a silent overwrite.</summary>
    public static InterestIndex Build(IReadOnlyList<InterestDefinition> interests, ITextEmbedder embedder, ScoringOptions options)
        => FromEmbedded(interests, embedder.Embed(interests.Select(i => i.Text).ToArray()), options);

    /// <summary>
    /// An index over interests embedded earlier (<see cref="TokenBatch.Row"/>, one per interest, in order), so that
    /// a change to a few interests does not re-embed the others.
    /// </summary>
    public static InterestIndex FromRows(IReadOnlyList<InterestDefinition> interests, IReadOnlyList<EmbeddedText> rows, int dimension, ScoringOptions options)
    {
        if (rows.Count != interests.Count)
        {
            throw new ArgumentException($"{rows.Count} embedded rows for {interests.Count} interests.", nameof(rows));
        }
        return FromEmbedded(interests, TokenBatch.FromRows(rows, dimension), options);
    }

    /// <summary>The interests of several indexes as one, in order: parts scored together in one run.</summary>
    public static InterestIndex Concat(IReadOnlyList<InterestIndex> parts, int dimension, ScoringOptions options)
        => FromEmbedded(parts.SelectMany(p => p.Interests).ToArray(), TokenBatch.Concat(parts.Select(p => p.Embedded).ToArray(), dimension), options);

    private static InterestIndex FromEmbedded(IReadOnlyList<InterestDefinition> interests, TokenBatch embedded, ScoringOptions options)
    {
        var seen = new HashSet<(string?, string)>();
        foreach (var interest in interests)
        {
            if (!seen.Add((interest.UserId, interest.Id)))
            {
                throw new ArgumentException($"Duplicate interest id '{interest.Id}' for user '{interest.UserId ?? "(none)"}'.", nameof(interests));
            }
        }
        var thresholds = interests.Select(i => i.Threshold ?? options.DefaultThreshold).ToArray();
        return options.Queries == InterestQueryMode.Pooled
            ? new InterestIndex(interests.ToArray(), embedded, thresholds, embedded.Pooled, PooledWeights(embedded), 1)
            : WordQueries(interests.ToArray(), embedded, thresholds, options.MaxQueriesPerInterest);
    }

    private static float[] PooledWeights(TokenBatch embedded)
    {
        var weights = new float[embedded.Count];
        Array.Fill(weights, 1f);
        return weights;
    }

    private static InterestIndex WordQueries(InterestDefinition[] interests, TokenBatch embedded, float[] thresholds, int maxQueries)
    {
        int count = embedded.Count, dimension = embedded.Dimension;
        var queries = Math.Min(embedded.Tokens, maxQueries);
        // Same layout when no interest has more tokens than queries: share the token vectors instead of copying them.
        var shared = queries == embedded.Tokens;
        var vectors = shared ? embedded.TokenVectors : new float[count * queries * dimension];
        var weights = new float[count * queries];
        for (var i = 0; i < count; i++)
        {
            var kept = Math.Min(embedded.TokenCount(i), queries);
            if (!shared)
            {
                embedded.TokenVectors.AsSpan(i * embedded.Tokens * dimension, kept * dimension).CopyTo(vectors.AsSpan(i * queries * dimension));
            }
            var row = weights.AsSpan(i * queries, kept);
            embedded.TokenWeights.AsSpan(i * embedded.Tokens, kept).CopyTo(row);
            var total = System.Numerics.Tensors.TensorPrimitives.Sum<float>(row);
            if (total > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(row, total, row);
            }
        }
        return new InterestIndex(interests, embedded, thresholds, vectors, weights, queries);
    }
}
