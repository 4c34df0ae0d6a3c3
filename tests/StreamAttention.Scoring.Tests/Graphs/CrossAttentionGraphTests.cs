namespace StreamAttention.Scoring.Tests.Graphs;

public sealed class CrossAttentionGraphTests
{
    [Theory]
    [InlineData(5, 9, 4, 1, 16, 10f)]
    [InlineData(1, 1, 1, 1, 8, 3f)]
    [InlineData(6, 5, 3, 4, 8, 7f)]
    [InlineData(33, 24, 17, 6, 100, 25f)]
    public void Scores_and_attention_match_double_precision_reference(int messages, int tokens, int slots, int queries, int dimension, float scale)
    {
        const int interestCount = 40;
        var random = new Random(messages + tokens * 7 + slots * 13 + queries);
        var queryVectors = TestData.UnitRows(random, interestCount * queries, dimension);
        var queryWeights = new float[interestCount * queries];
        for (var i = 0; i < interestCount; i++)
        {
            // Interests use 1..queries vectors; the rest are padding (zero vector, zero weight).
            var used = random.Next(1, queries + 1);
            Array.Clear(queryVectors, (i * queries + used) * dimension, (queries - used) * dimension);
            var weights = Enumerable.Range(0, used).Select(_ => (float)(0.1 + random.NextDouble())).ToArray();
            for (var j = 0; j < used; j++)
            {
                queryWeights[i * queries + j] = weights[j] / weights.Sum();
            }
        }
        var lengths = Enumerable.Range(0, messages).Select(_ => random.Next(1, tokens + 1)).ToArray();
        using var stage = new CrossAttentionStage(TestData.Sessions(), dimension);
        stage.Prepare(messages, tokens, slots, queries);
        var keyValues = TestData.PaddedKeys(random, lengths, tokens, dimension, stage.TokenBias);
        for (var m = 0; m < messages; m++)
        {
            for (var c = 0; c < slots; c++)
            {
                stage.Candidates[m * slots + c] = random.Next(interestCount);
            }
        }
        keyValues.CopyTo(stage.Keys);
        var bias = stage.TokenBias.ToArray();
        var candidates = stage.Candidates.ToArray();

        stage.Run(queryVectors, queryWeights, interestCount, queries, scale);

        for (var m = 0; m < messages; m++)
        {
            for (var c = 0; c < slots; c++)
            {
                var interest = (int)candidates[m * slots + c];
                double score = 0;
                for (var j = 0; j < queries; j++)
                {
                    var w = queryWeights[interest * queries + j];
                    var q = queryVectors.AsSpan((interest * queries + j) * dimension, dimension);
                    var (vectorScore, attention) = Reference(keyValues.AsSpan(m * tokens * dimension, tokens * dimension), bias.AsSpan(m * tokens, tokens), lengths[m], q, scale);
                    score += w * vectorScore;
                    if (w == 0)
                    {
                        continue; // padding vectors attend too, but their weights are never read
                    }
                    for (var t = 0; t < tokens; t++)
                    {
                        Assert.Equal(t < lengths[m] ? attention[t] : 0, stage.Attention[((m * slots + c) * queries + j) * tokens + t], 1e-5);
                    }
                }
                Assert.Equal(score, stage.Scores[m * slots + c], 1e-5);
            }
        }
    }

    /// <summary>The textbook form: materialise ctx = softmax(scale·qKᵀ + bias)·K, then cos(q, ctx).</summary>
    internal static (double Score, double[] Attention) Reference(ReadOnlySpan<float> keys, ReadOnlySpan<float> bias, int length, ReadOnlySpan<float> q, float scale)
    {
        var d = q.Length;
        var logits = new double[length];
        for (var t = 0; t < length; t++)
        {
            double dot = 0;
            for (var k = 0; k < d; k++)
            {
                dot += (double)q[k] * keys[t * d + k];
            }
            logits[t] = scale * dot + bias[t];
        }
        var max = logits.Max();
        var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
        var sum = weights.Sum();
        var context = new double[d];
        for (var t = 0; t < length; t++)
        {
            weights[t] /= sum;
            for (var k = 0; k < d; k++)
            {
                context[k] += weights[t] * keys[t * d + k];
            }
        }
        double qc = 0, cc = 0;
        for (var k = 0; k < d; k++)
        {
            qc += q[k] * context[k];
            cc += context[k] * context[k];
        }
        return (qc / Math.Sqrt(cc), weights);
    }
}
