using System.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
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
/// both must give the same statistics. Then a refresh of every interest as a silo's runs pay for it, run by run. CPU
/// time of the whole process (ONNX Runtime's threads included).
/// </summary>
internal static class CalibrationMeasureBenchmark
{
    /// <summary>Messages per scoring run in the refresh, as the ingest's batches.</summary>
    private const int BatchSize = 32;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        using var model = await BenchmarkEmbedder.LoadAsync(settings.Provider);
        var embedder = model.Embedder;
        var options = new ScoringOptions { CalibrationKey = settings.Provider, CalibrationMeasuresPerRun = int.MaxValue };
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
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
                        + $"| {inEngine.TotalMilliseconds / index.Count:F3} ms | {LoadAverage()} |");
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine($"A refresh, run by run ({BatchSize}-message batches observed before each run):");
        Console.WriteLine();
        Console.WriteLine("| path | runs (measuring) | messages | CPU in all | per interest | per message | measuring run: wall mean / max | other runs: mean / max | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        for (var round = 0; round < settings.Repetitions; round++)
        {
            foreach (var (name, scores) in paths)
            {
                Refresh(name, scores, background, index, settings.Provider);
            }
        }
    }

    /// <summary>
    /// A refresh as a silo's scoring runs see it: every interest measured, the background moves on by one generation,
    /// then run after run (a batch observed, then <see cref="ScoreCalibrator.For"/> and the raw thresholds, as
    /// <see cref="TwoStageScorer.Score"/> asks for them) until every interest is measured again.
    /// </summary>
    private static void Refresh(string name, EveryPairScores scores, TokenBatch background, InterestIndex index, string provider)
    {
        var options = new ScoringOptions { CalibrationKey = provider };
        var calibrator = new ScoreCalibrator(options, scores);
        var batch = TokenBatch.FromRows(Enumerable.Range(0, BatchSize).Select(m => background.Row(m)).ToArray(), background.Dimension);
        calibrator.Observe(background);
        while (!calibrator.For(index).AllMeasuredAt(calibrator.Background.Generation))
        {
            calibrator.Observe(batch);
        }
        var last = calibrator.For(index);
        last.RawThresholds(index.Thresholds);
        while (calibrator.Background.Generation == 0)
        {
            calibrator.Observe(background);
        }
        var runs = new List<(double Wall, bool Measured)>();
        var seen = calibrator.Background.Seen;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            calibrator.Observe(batch);
            var calibration = calibrator.For(index);
            calibration.RawThresholds(index.Thresholds);
            runs.Add((Stopwatch.GetElapsedTime(started).TotalMilliseconds, !ReferenceEquals(calibration, last)));
            last = calibration;
            if (calibration.AllMeasuredAt(calibrator.Background.Generation))
            {
                break;
            }
        }
        var total = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var messages = calibrator.Background.Seen - seen;
        var measuring = runs.Where(r => r.Measured).Select(r => r.Wall).DefaultIfEmpty().ToArray();
        var others = runs.Where(r => !r.Measured).Select(r => r.Wall).DefaultIfEmpty().ToArray();
        Console.WriteLine($"| {name} | {runs.Count:N0} ({runs.Count(r => r.Measured):N0}) | {messages:N0} | {total / 1000:F2} s | {total / index.Count:F3} ms | {total / messages:F3} ms "
            + $"| {measuring.Average():F1} / {measuring.Max():F1} ms | {others.Average():F2} / {others.Max():F1} ms | {LoadAverage()} |");
    }

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
