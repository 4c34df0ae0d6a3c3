using StreamAttention.Embeddings.StaticVectors;
using Xunit.Abstractions;

namespace StreamAttention.Evaluation.Tests;

/// <summary>The default scoring against its baselines on the labelled set, all computed in the same run.</summary>
public sealed class RelevanceQualityTests(GloveScorerFixture glove, ITestOutputHelper output) : IClassFixture<GloveScorerFixture>
{
    [Fact]
    public void Default_scoring_beats_bm25_and_pooled_cosine_on_mean_average_precision()
    {
        var results = RelevanceEvaluation.Run(glove.Scorer, EvalData.Interests(EvalData.EvalDirectory), EvalData.Messages(EvalData.EvalDirectory),
            RelevanceLabels.Load(Path.Combine(EvalData.EvalDirectory, "labels.jsonl")), WordTokenizer.English.Tokenize);
        output.WriteLine(EvaluationReport.FormatComparison(results));

        var configured = results.Single(r => r.Method == RelevanceEvaluation.ConfiguredMethod);
        Assert.All(results.Where(r => r != configured), baseline => Assert.True(
            configured.MeanAveragePrecision > baseline.MeanAveragePrecision,
            $"{configured.Method} MAP {configured.MeanAveragePrecision:F3} <= {baseline.Method} MAP {baseline.MeanAveragePrecision:F3}"));
        Assert.Equal(32, configured.Interests.Count);
    }
}
