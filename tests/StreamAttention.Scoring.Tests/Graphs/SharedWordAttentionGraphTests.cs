using System.ComponentModel.DataAnnotations;
using StreamAttention.Scoring.Graphs;
using StreamAttention.Scoring.Options;
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
        => AssertMatchesReference(messages, tokens, words, dimension, scale, priorSpread: 0);

    /// <summary>
    /// The graph forms the softmax without a per-pair maximum: at the largest allowed scale, with token priors far apart
    /// (rare and common words, priors above 0) and long messages, nothing may overflow or vanish.
    /// </summary>
    [Theory]
    [InlineData(4, 64, 12, 32, 1f)]
    [InlineData(4, 64, 12, 32, 5f)]
    [InlineData(3, 200, 7, 16, SharedWordAttentionGraph.MaxScale)]
    public void Scores_match_reference_at_the_largest_scale_with_priors_far_apart(int messages, int tokens, int words, int dimension, float scale)
        => AssertMatchesReference(messages, tokens, words, dimension, scale, priorSpread: 60);

    [Theory]
    [InlineData(SharedWordAttentionGraph.MaxScale, true)]
    [InlineData(SharedWordAttentionGraph.MaxScale + 0.5f, false)]
    public void The_attention_scale_is_validated_up_to_the_graphs_maximum(float scale, bool valid)
    {
        var options = new ScoringOptions { AttentionScale = scale };
        var errors = new List<ValidationResult>();

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true));
        Assert.Equal(valid, !errors.Any(e => e.MemberNames.Contains(nameof(ScoringOptions.AttentionScale))));
    }

    private static void AssertMatchesReference(int messages, int tokens, int words, int dimension, float scale, float priorSpread)
    {
        var random = new Random(messages + tokens * 7 + words * 13);
        var wordVectors = TestData.UnitRows(random, words, dimension);
        var lengths = Enumerable.Range(0, messages).Select(_ => random.Next(1, tokens + 1)).ToArray();
        using var stage = new SharedWordAttentionStage(TestData.Sessions(), dimension);
        stage.Prepare(messages, tokens, words);
        var keyValues = TestData.PaddedKeys(random, lengths, tokens, dimension, stage.TokenBias);
        if (priorSpread > 0)
        {
            // Priors in [−spread, spread] instead of ln(0.2 … 1): unshifted, e^(scale + spread) would overflow. Padding keeps its very negative prior.
            for (var i = 0; i < stage.TokenBias.Length; i++)
            {
                stage.TokenBias[i] = stage.TokenBias[i] < -1e8f ? stage.TokenBias[i] : (float)(priorSpread * (2 * random.NextDouble() - 1));
            }
        }
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
