using System.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--engines</c>: the scoring engines side by side in one run, at several interest counts (<c>--sizes</c>), on the
/// labelled set's messages with interests cut from those texts (3–6-word phrases, fixed seed): the shared-words engine
/// with exhaustive candidates, with exact clusters and with a few probe counts (<c>--probes</c>), the per-pair engine
/// and the naive per-pair loop (on a sample, extrapolated). Recall is of the per-pair engine's matches at the
/// interests' own thresholds; time is split by the scorer's timed stages.
/// </summary>
internal static class EngineComparison
{
    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        using var embedder = (await GloveModel.LoadAsync()).Embedder;
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
        var messages = embedder.Embed(corpus.Messages(settings.Messages));
        Console.WriteLine($"# engine comparison: {settings.Messages} messages (labelled set texts), d={embedder.Dimension}, {Environment.ProcessorCount} cores, {settings.Repetitions} timed runs after one warm-up, interests cut from the texts");
        Console.WriteLine();
        Console.WriteLine("| interests | engine | messages/s | pairs/s | vs per-pair | recall | matches | candidates | candidate generation | attention | rest |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        using var stages = new StageClock();
        foreach (var size in settings.Sizes)
        {
            var phrases = corpus.Phrases(size, seed: 42);
            var index = InterestIndex.Build(phrases.Select((t, i) => new InterestDefinition($"i{i}", t)).ToArray(), embedder, new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f });
            var pairs = (double)messages.Count * index.Count;
            var reference = Run("per-pair (old)", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, Engine = ScoringEngine.PerPair }, null);
            var perPairTime = reference.Time;
            Run("shared words, all interests (default)", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f }, reference);
            Run("shared words, all interests, no highlights", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, HighlightCount = 0 }, reference);
            Run("shared words, √n clusters, exact", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, CandidateClusters = 0 }, reference);
            foreach (var probes in settings.Probes)
            {
                Run($"shared words, √n clusters, {probes} probes", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, CandidateClusters = 0, ClusterProbes = probes }, reference);
            }
            var naive = NaivePairsPerSecond(messages, index, Math.Min(index.Count, settings.NaiveInterests));
            Console.WriteLine($"| {size:N0} | naive loop (sample of {Math.Min(index.Count, settings.NaiveInterests)}) | {naive / index.Count:N1} | {naive:N0} | {naive * perPairTime.TotalSeconds / pairs:F2}× | 100% | | | | | |");

            (HashSet<(int, int)> Found, TimeSpan Time) Run(string name, ScoringOptions options, (HashSet<(int, int)> Found, TimeSpan Time)? perPair)
            {
                using var scorer = new TwoStageScorer(sessions, options);
                var found = scorer.Score(messages, index).Select(p => (p.MessageIndex, p.InterestIndex)).ToHashSet(); // warm-up; builds clusters and word table
                stages.Reset();
                var clock = Stopwatch.StartNew();
                for (var r = 0; r < settings.Repetitions; r++)
                {
                    scorer.Score(messages, index);
                }
                var time = clock.Elapsed / settings.Repetitions;
                var (candidates, attention, share) = stages.Take(settings.Repetitions);
                var rest = time.TotalMilliseconds - candidates - attention;
                var recall = perPair is { Found: var expected } ? $"{(double)found.Count(expected.Contains) / Math.Max(1, expected.Count):P2}" : "reference";
                var speedup = perPair is { Time: var perPairTime } ? $"{perPairTime / time:F2}×" : "1×";
                Console.WriteLine($"| {size:N0} | {name} | {messages.Count / time.TotalSeconds:N0} | {pairs / time.TotalSeconds:N0} | {speedup} | {recall} | {found.Count:N0} | {share:P1} | {candidates:F0} ms | {attention:F0} ms | {rest:F0} ms |");
                return (found, time);
            }
        }
    }

    private static double NaivePairsPerSecond(TokenBatch messages, InterestIndex index, int sample)
    {
        var options = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f };
        var clock = Stopwatch.StartNew();
        for (var m = 0; m < messages.Count; m++)
        {
            for (var i = 0; i < sample; i++)
            {
                ReferenceScorer.Score(messages, m, index, i, options);
            }
        }
        return messages.Count * sample / clock.Elapsed.TotalSeconds;
    }
}
