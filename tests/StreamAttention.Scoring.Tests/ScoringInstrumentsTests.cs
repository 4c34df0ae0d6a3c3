using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests;

/// <summary>The meter is process-wide, so these tests run alone: no other scorer may add measurements meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScoringInstrumentsCollection
{
    public const string Name = "Scoring metrics";
}

[Collection(ScoringInstrumentsCollection.Name)]
public sealed class ScoringInstrumentsTests
{
    [Theory]
    [InlineData(ScoringEngine.PerPair, new[] { "cross_attention", "prefilter" })]
    [InlineData(ScoringEngine.SharedWords, new[] { "candidates", "shared_word_attention" })]
    public void Counters_report_pairs_pruned_candidates_and_matches_and_runs_are_timed(ScoringEngine engine, string[] timedStages)
    {
        var embedder = new HashingTestEmbedder();
        // Raw thresholds: the candidate count below is the engines' lossless bound on a raw threshold.
        var options = new ScoringOptions { DefaultThreshold = 0.5f, Engine = engine, Calibration = ScoreCalibration.None };
        var interests = InterestIndex.Build(Enumerable.Range(0, 12).Select(i => new InterestDefinition($"i{i}", $"w{i} w{i + 20}")).ToArray(), embedder, options);
        var messages = embedder.Embed(Enumerable.Range(0, 9).Select(m => $"w{m} w{m + 1} w{m + 30} w{m + 40}").ToArray());
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);
        var totals = new Dictionary<string, double>();
        var stages = new HashSet<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == InstrumentNames.Meter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value);
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => stages.Add((string)tags[0].Value!));
        listener.Start();

        var matches = scorer.Score(messages, interests);

        var floor = (options.DefaultThreshold - options.AttentionWeight) / (1 - options.AttentionWeight);
        var expectedCandidates = Enumerable.Range(0, 9).Sum(m => Enumerable.Range(0, 12)
            .Count(i => ReferenceScorer.Score(messages, m, interests, i, options).Prefilter >= floor));
        Assert.Equal(9 * 12, totals[InstrumentNames.ScoringPairs]);
        if (engine == ScoringEngine.PerPair)
        {
            Assert.Equal(expectedCandidates, totals[InstrumentNames.ScoringCandidatePairs], 0.0);
        }
        else
        {
            // Shared words tighten each floor by the interest's attention bound over the chunk: fewer, never fewer than the matches.
            Assert.InRange(totals[InstrumentNames.ScoringCandidatePairs], matches.Count, expectedCandidates);
        }
        Assert.True(expectedCandidates < 9 * 12, "the example should prune some pairs");
        Assert.Equal(matches.Count, totals[InstrumentNames.ScoringMatches]);
        Assert.Equal(timedStages, stages.Order());
    }
}
