using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Tests;

/// <summary>
/// A deterministic embedder for tests: each whitespace-separated word gets a random unit vector seeded by a stable
/// hash of the word and a weight in (0, 1]; words starting with '?' are unknown. Pooled = weighted mean, normalised.
/// </summary>
internal sealed class HashingTestEmbedder(int dimension = 16, int maxTokens = 12) : ITextEmbedder
{
    public string Name => "hashing-test";

    public int Dimension => dimension;

    public int MaxTokens => maxTokens;

    public TokenBatch Embed(IReadOnlyList<string> texts)
    {
        var words = texts.Select(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var known = words.Select(w => w.Where(x => !x.StartsWith('?')).Take(maxTokens).ToArray()).ToArray();
        var batch = new TokenBatch(texts.Count, Math.Max(1, known.Select(k => k.Length).DefaultIfEmpty(0).Max()), dimension);
        for (var m = 0; m < texts.Count; m++)
        {
            batch.TokenTexts[m] = known[m];
            batch.UnknownWords[m] = words[m].Count(x => x.StartsWith('?'));
            batch.Truncated[m] = words[m].Length - batch.UnknownWords[m] > maxTokens;
            var pooled = batch.PooledVector(m);
            for (var t = 0; t < known[m].Length; t++)
            {
                var vector = batch.TokenVector(m, t);
                WordVector(known[m][t], vector);
                var weight = WordWeight(known[m][t]);
                batch.TokenWeights[m * batch.Tokens + t] = weight;
                for (var k = 0; k < dimension; k++)
                {
                    pooled[k] += weight * vector[k];
                }
            }
            Normalize(pooled);
        }
        return batch;
    }

    public static float WordWeight(string word) => 0.25f + 0.75f * (StableHash(word) % 97) / 96f;

    private static void WordVector(string word, Span<float> vector)
    {
        var random = new Random((int)StableHash(word));
        for (var k = 0; k < vector.Length; k++)
        {
            vector[k] = (float)(random.NextDouble() * 2 - 1);
        }
        Normalize(vector);
    }

    private static void Normalize(Span<float> vector)
    {
        var norm = MathF.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(vector));
        if (norm > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    private static uint StableHash(string word)
    {
        var hash = 2166136261u;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash & 0x7fffffff;
    }

    public void Dispose()
    {
    }
}
