using System.Diagnostics;
using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--calibration-measure</c>: the calibration's cost per interest measured (<see cref="ScoreCalibrator"/>), every
/// interest of <c>--interests</c> against a full background of <see cref="ScoringOptions.BackgroundMessages"/> messages,
/// in the silo's default configuration for <c>--provider</c>. Two ways of reading the engine's raw scores, alternated
/// <c>--repetitions</c> rounds after a warm-up: through the engine's matches at no threshold (as the measurement did
/// before: a match object per pair, sorted per message) and in place (<see cref="TwoStageScorer.ScoreEveryPair"/>);
/// both must give the same statistics. CPU time of the whole process (ONNX Runtime's threads included).
/// </summary>
internal static class CalibrationMeasureBenchmark
{
    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(new OnnxRuntimeOptions());
        using var model = await BenchmarkEmbedder.LoadAsync(settings.Provider);
        var embedder = model.Embedder;
        var options = new ScoringOptions { CalibrationKey = settings.Provider, CalibrationMeasuresPerRun = int.MaxValue };
        var corpus = BenchmarkCorpus.Load(settings.Workload);
        var background = embedder.Embed(corpus.Messages(options.BackgroundMessages));
        var index = InterestIndex.Build(corpus.KnownPhrases(embedder, settings.Interests).Select((t, i) => new InterestDefinition($"i{i}", t)).ToArray(), embedder, options);
        // The engine as the silo's scorer runs it; the calibrators below are this benchmark's own.
        using var scorer = new TwoStageScorer(sessions, new ScoringOptions { CalibrationKey = settings.Provider, Calibration = ScoreCalibration.None });
        var noHighlights = Enumerable.Repeat(float.PositiveInfinity, index.Count).ToArray();
        EveryPairScores throughMatches = (messages, interests, raw, stride) =>
        {
            foreach (var pair in scorer.ScoreEveryPairRaw(messages, interests, noHighlights[..interests.Count]))
            {
                raw[pair.InterestIndex * stride + pair.MessageIndex] = pair.Score;
            }
        };
        var paths = new (string Name, EveryPairScores Scores)[] { ("through matches (before)", throughMatches), ("in place", scorer.ScoreEveryPair) };
        Console.WriteLine($"# calibration measure benchmark, workload {settings.Workload}: {index.Count:N0} interests × {background.Count} background messages, provider {settings.Provider} ({embedder.Name}), "
            + $"{Environment.ProcessorCount} cores, {settings.Repetitions} alternating rounds after one warm-up");
        Console.WriteLine();
        Console.WriteLine("| round | path | CPU per interest | wall per interest | allocated per interest | of which in the engine (wall) | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        IReadOnlyList<InterestStatistics>? first = null;
        for (var round = 0; round <= settings.Repetitions; round++)
        {
            foreach (var (name, scores) in paths)
            {
                // Wall time in the engine's pass; the rest is the calibrator's own (twins, statistics).
                var inEngine = TimeSpan.Zero;
                var calibrator = new ScoreCalibrator(options, (messages, interests, raw, stride) =>
                {
                    var started = Stopwatch.GetTimestamp();
                    scores(messages, interests, raw, stride);
                    inEngine += Stopwatch.GetElapsedTime(started);
                });
                calibrator.Observe(background);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var clock = Stopwatch.StartNew();
                var statistics = calibrator.For(index).Statistics;
                clock.Stop();
                var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                var bytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
                first ??= statistics;
                if (!statistics.SequenceEqual(first))
                {
                    throw new InvalidOperationException($"The {name} path measured other statistics.");
                }
                if (round > 0)
                {
                    Console.WriteLine($"| {round} | {name} | {cpuTime.TotalMilliseconds / index.Count:F3} ms | {clock.Elapsed.TotalMilliseconds / index.Count:F3} ms | {bytes / 1e3 / index.Count:N1} KB "
                        + $"| {inEngine.TotalMilliseconds / index.Count:F3} ms | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
                }
            }
        }
    }
}
