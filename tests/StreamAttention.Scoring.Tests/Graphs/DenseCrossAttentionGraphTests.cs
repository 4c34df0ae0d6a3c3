namespace StreamAttention.Scoring.Tests.Graphs;

public sealed class DenseCrossAttentionGraphTests
{
    [Theory]
    [InlineData(5, 9, 7, 3, 16, 5f)]
    [InlineData(1, 1, 1, 1, 8, 3f)]
    [InlineData(17, 24, 40, 6, 100, 10f)]
    public void Scores_match_double_precision_reference(int messages, int tokens, int interests, int queries, int dimension, float scale)
    {
        var random = new Random(messages * 3 + tokens + interests * 11 + queries);
        var queryVectors = TestData.UnitRows(random, interests * queries, dimension);
        var queryWeights = new float[interests * queries];
        for (var i = 0; i < interests; i++)
        {
            var used = random.Next(1, queries + 1);
            Array.Clear(queryVectors, (i * queries + used) * dimension, (queries - used) * dimension);
            for (var j = 0; j < used; j++)
            {
                queryWeights[i * queries + j] = 1f / used;
            }
        }
        var lengths = Enumerable.Range(0, messages).Select(_ => random.Next(1, tokens + 1)).ToArray();
        var keys = TestData.UnitRows(random, messages * tokens, dimension);
        var bias = new float[messages * tokens];
        for (var m = 0; m < messages; m++)
        {
            for (var t = 0; t < tokens; t++)
            {
                var padding = t >= lengths[m];
                if (padding)
                {
                    Array.Clear(keys, (m * tokens + t) * dimension, dimension);
                }
                bias[m * tokens + t] = padding ? -1e9f : MathF.Log((float)(0.2 + 0.8 * random.NextDouble()));
            }
        }
        using var stage = new DenseCrossAttentionStage(TestData.Sessions(), dimension);
        stage.Prepare(messages, tokens);
        keys.CopyTo(stage.Keys);
        bias.CopyTo(stage.TokenBias);

        stage.Run(queryVectors, queryWeights, interests, queries, scale);

        for (var m = 0; m < messages; m++)
        {
            for (var i = 0; i < interests; i++)
            {
                double expected = 0;
                for (var j = 0; j < queries; j++)
                {
                    var q = queryVectors.AsSpan((i * queries + j) * dimension, dimension);
                    expected += queryWeights[i * queries + j]
                        * CrossAttentionGraphTests.Reference(keys.AsSpan(m * tokens * dimension, tokens * dimension), bias.AsSpan(m * tokens, tokens), lengths[m], q, scale).Score;
                }
                Assert.Equal(expected, stage.Scores[m * interests + i], 1e-5);
            }
        }
    }
}
