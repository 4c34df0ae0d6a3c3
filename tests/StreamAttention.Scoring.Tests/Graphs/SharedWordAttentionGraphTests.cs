using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring.Tests.Graphs;

public sealed class SharedWordAttentionGraphTests
{
    [Theory]
    [InlineData(5, 9, 4, 16, 10f)]
    [InlineData(1, 1, 1, 8, 3f)]
    [InlineData(6, 5, 30, 8, 7f)]
    [InlineData(33, 24, 17, 100, 25f)]
    public void Scores_match_double_precision_reference(int messages, int tokens, int words, int dimension, float scale)
    {
        var random = new Random(messages + tokens * 7 + words * 13);
        var wordVectors = TestData.UnitRows(random, words, dimension);
        var lengths = Enumerable.Range(0, messages).Select(_ => random.Next(1, tokens + 1)).ToArray();
        using var stage = new SharedWordAttentionStage(TestData.Sessions(), dimension);
        stage.Prepare(messages, tokens, words);
        var keyValues = TestData.PaddedKeys(random, lengths, tokens, dimension, stage.TokenBias);
        keyValues.CopyTo(stage.Keys);
        wordVectors.CopyTo(stage.Words);
        var bias = stage.TokenBias.ToArray();

        stage.Run(scale);

        for (var m = 0; m < messages; m++)
        {
            for (var w = 0; w < words; w++)
            {
                var (score, _) = CrossAttentionGraphTests.Reference(keyValues.AsSpan(m * tokens * dimension, tokens * dimension), bias.AsSpan(m * tokens, tokens),
                    lengths[m], wordVectors.AsSpan(w * dimension, dimension), scale);
                Assert.Equal(score, stage.Scores[m * words + w], 1e-5);
            }
        }
    }
}
