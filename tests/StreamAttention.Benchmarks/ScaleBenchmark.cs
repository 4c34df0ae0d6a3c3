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
/// <c>--scale</c>: messages/s and p50/p99 latency against the number of interests (<c>--sizes</c>), in one run.
/// Scoring alone: the shared-words engine (default) over batches of 32 messages (<c>--batch-size</c>), the per-pair
/// engine (up to <c>--per-pair-max</c> interests) and the naive loop on a sample (<c>--naive-interests</c>), with recall
/// against the naive loop's exact decisions on that sample and against the per-pair engine's matches, matches per
/// message and where the time goes. End to end through the embedded Kafka (<c>--end-to-end-sizes</c>, see
/// <see cref="IngestBenchmark"/>), with consumer restarts and lost messages counted. Interests are 3–6-word phrases
/// cut from the labelled sets' texts, messages are other texts of those sets (<c>--workload same-texts</c>: the same ones). Prints a table and writes a plot (<c>--plot</c>).
/// The engines score as the silo does by default: the embedder of <c>--provider</c> (the silo's default provider unless
/// given), calibrated scores (<see cref="ScoreCalibration.Background"/>, that provider's model) at the default threshold.
/// The first pass also measures every interest against the background (its time is reported); the naive loop decides
/// at each interest's raw threshold from that calibration (<see cref="InterestCalibration.RawThresholds"/>), exactly
/// the pairs whose calibrated score reaches the threshold.
/// </summary>
internal static class ScaleBenchmark
{
    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        using var model = await BenchmarkEmbedder.LoadAsync(settings.Provider);
        var embedder = model.Embedder;
        // The silo's defaults for this provider; every interest measured in the first pass (the silo spreads that over runs, CalibrationMeasuresPerRun).
        var options = new ScoringOptions { CalibrationKey = settings.Provider, CalibrationMeasuresPerRun = int.MaxValue };
        options.QuantizedPrefilterMaxMessages = settings.QuantizedMaxMessages ?? options.QuantizedPrefilterMaxMessages;
        options.MaxWordSlotsPerRun = settings.WordSlots ?? options.MaxWordSlotsPerRun;
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
        var texts = corpus.Messages(settings.Messages);
        var messages = embedder.Embed(texts);
        Console.WriteLine($"# scale benchmark, workload {settings.Workload}, phrases {settings.Phrases}: {settings.Messages} messages (labelled set texts, {texts.Distinct().Count()} distinct, {texts.Average(t => t.Split(' ').Length):F0} words on average) in batches of {settings.BatchSize} (int8 screen for chunks of ≤ {options.QuantizedPrefilterMaxMessages}, ≤ {options.MaxWordSlotsPerRun} word slots per attention run), provider {settings.Provider} ({embedder.Name}), calibrated scores at {options.DefaultThreshold}, "
            + $"interests {(settings.Phrases == BenchmarkPhrases.Topic ? "2–4-word topic phrases" : "3–6-word phrases")} cut from {(settings.Workload == BenchmarkWorkload.Disjoint ? "the other texts" : "the same texts")}, d={embedder.Dimension}, {Environment.ProcessorCount} cores, ONNX Runtime provider {settings.OnnxRuntime.ExecutionProvider} requested, {settings.Repetitions} timed passes after one warm-up");
        Console.WriteLine();
        Console.WriteLine("| interests | path | messages/s | p50 | p99 | vs per-pair | recall vs naive (sample) | recall vs per-pair | matches/message | candidates | attention | rest | CPU/message | first pass |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        var points = new List<ScalePoint>();
        using var stages = new StageClock();
        foreach (var size in settings.Sizes)
        {
            var index = InterestIndex.Build(corpus.KnownPhrases(embedder, size).Select((t, i) => new InterestDefinition($"i{i}", t)).ToArray(), embedder, options);
            var sample = Math.Min(size, settings.NaiveInterests);
            // Its own small index: the naive loop reads dense query vectors, which for all interests would not fit.
            var sampleIndex = InterestIndex.Build(index.Interests.Take(sample).ToArray(), embedder, options);
            var (naiveScores, naiveRate) = Naive(messages, sampleIndex, index.Count, options);
            // Declared first: Scoring reads it, and it is null while the per-pair run itself is measured.
            ScoringResult? perPair = null;
            if (size <= settings.PerPairMaxInterests)
            {
                perPair = Scoring(ScoringEngine.PerPair);
            }
            var shared = Scoring(ScoringEngine.SharedWords);
            Console.WriteLine($"| {size:N0} | naive loop (sample of {sample:N0}, extrapolated) | {naiveRate:N1} | | | {(perPair is null ? "" : $"{naiveRate / perPair.Rate:F3}×")} | 100% | | | | | | | |");
            points.Add(new ScalePoint(size, "scoring, shared words", shared.Rate, shared.P50, shared.P99));
            if (perPair is not null)
            {
                points.Add(new ScalePoint(size, "scoring, per-pair (old)", perPair.Rate, perPair.P50, perPair.P99));
            }

            ScoringResult Scoring(ScoringEngine engine)
            {
                using var scorer = new TwoStageScorer(sessions, new ScoringOptions
                {
                    CalibrationKey = options.CalibrationKey,
                    CalibrationMeasuresPerRun = options.CalibrationMeasuresPerRun,
                    QuantizedPrefilterMaxMessages = options.QuantizedPrefilterMaxMessages,
                    MaxWordSlotsPerRun = options.MaxWordSlotsPerRun,
                    Engine = engine,
                });
                // Warm-up; the first pass also measures every interest against the background.
                var firstPass = Stopwatch.StartNew();
                foreach (var (batch, _) in Batches(messages, settings.BatchSize))
                {
                    scorer.Score(batch, index);
                }
                firstPass.Stop();
                stages.Reset();
                var lastPass = new List<(int Start, List<RowMatch> Matches)>();
                var latencies = new List<double>();
                var clock = Stopwatch.StartNew();
                // CPU time of every thread (ONNX Runtime's included): comparable between runs on a loaded machine, unlike wall time.
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var r = 0; r < settings.Repetitions; r++)
                {
                    lastPass.Clear();
                    foreach (var (batch, start) in Batches(messages, settings.BatchSize))
                    {
                        var started = Stopwatch.GetTimestamp();
                        lastPass.Add((start, scorer.Score(batch, index)));
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                var total = clock.Elapsed.TotalMilliseconds;
                var cpuPerMessage = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / (messages.Count * settings.Repetitions);
                latencies.Sort();
                var runs = settings.Repetitions;
                var (candidates, attention, _) = stages.Take(runs);
                var found = lastPass.SelectMany(b => b.Matches.Select(p => (b.Start + p.MessageIndex, p.InterestIndex))).ToHashSet();
                var result = new ScoringResult(messages.Count * runs / (total / 1000), Percentiles.Of(latencies, 0.5), Percentiles.Of(latencies, 0.99), found);
                var inSample = found.Where(f => f.Item2 < sample).ToHashSet();
                // The naive loop's decisions at the raw thresholds this scorer's calibration gives the sample's interests.
                var exact = Decide(naiveScores, messages.Count, scorer.Calibrator!.For(sampleIndex).RawThresholds(sampleIndex.Thresholds));
                var versusPerPair = perPair is null ? "" : $"{(double)found.Count(perPair.Found.Contains) / Math.Max(1, perPair.Found.Count):P2}";
                var speedup = perPair is null ? "" : $"{result.Rate / perPair.Rate:F2}×";
                Console.WriteLine($"| {size:N0} | scoring, {(engine == ScoringEngine.PerPair ? "per-pair (old)" : "shared words (default)")} | {result.Rate:N0} | {result.P50:F1} ms | {result.P99:F1} ms "
                    + $"| {speedup} | {(double)exact.Count(inSample.Contains) / Math.Max(1, exact.Count):P2} ({exact.Count:N0}) | {versusPerPair} | {(double)found.Count / messages.Count:F1} "
                    + $"| {candidates / (total / runs):P0} | {attention / (total / runs):P0} | {1 - (candidates + attention) / (total / runs):P0} | {cpuPerMessage:F2} ms | {firstPass.Elapsed.TotalSeconds:F1} s |");
                return result;
            }
        }
        foreach (var size in settings.EndToEndSizes)
        {
            var result = await IngestBenchmark.MeasureAsync(corpus, size, texts, settings.Provider);
            Console.WriteLine($"| {size:N0} | end to end through Kafka, {result.Configuration} (import {result.Import.TotalSeconds:F0} s, warm-up {result.WarmUp.TotalSeconds:F0} s) | {result.Saturated:N0} | {result.P50:F0} ms | {result.P99:F0} ms "
                + $"| | | | {(result.Dropped.Length > 0 ? $"output trimmed by the mock ({result.Dropped.Length} partitions)" : $"{(double)result.Matches / result.Produced:F1}")} "
                + $"| restarts {result.Restarts}, lost {result.Lost}, dead-lettered {result.DeadLettered} | p50/p99 at {result.PacedRate:N0} msg/s | load {result.LoadAverage} | {result.CpuPerMessage:F2} ms |");
            points.Add(new ScalePoint(size, "end to end (Kafka)", result.Saturated, result.P50, result.P99));
        }
        ScalePlot.Write(points, settings.PlotPath);
        Console.WriteLine();
        Console.WriteLine($"scoring sessions ran on ONNX Runtime's {sessions.ScoringGraphProvider} execution provider");
        Console.WriteLine($"plot: {Path.GetFullPath(settings.PlotPath)}");
    }

    /// <summary>The messages in scoring calls of <paramref name="size"/>, as the ingest's batches (32 saturated, 1 at a paced rate).</summary>
    private static IEnumerable<(TokenBatch Batch, int Start)> Batches(TokenBatch messages, int size)
    {
        for (var start = 0; start < messages.Count; start += size)
        {
            var rows = Enumerable.Range(start, Math.Min(size, messages.Count - start)).Select(m => messages.Row(m)).ToArray();
            yield return (TokenBatch.FromRows(rows, messages.Dimension), start);
        }
    }

    /// <summary>The naive loop's raw scores ([message, interest]) on a <paramref name="sample"/> of the interests, and its rate extrapolated to <paramref name="interests"/>.</summary>
    private static (double[] Scores, double Rate) Naive(TokenBatch messages, InterestIndex sample, int interests, ScoringOptions options)
    {
        var scores = new double[messages.Count * sample.Count];
        var clock = Stopwatch.StartNew();
        for (var m = 0; m < messages.Count; m++)
        {
            for (var i = 0; i < sample.Count; i++)
            {
                var (prefilter, attention, _) = ReferenceScorer.Score(messages, m, sample, i, options);
                scores[m * sample.Count + i] = ReferenceScorer.Combine(prefilter, attention, options);
            }
        }
        return (scores, messages.Count * ((double)sample.Count / interests) / clock.Elapsed.TotalSeconds);
    }

    /// <summary>The naive loop's matches: the pairs whose raw score reaches the interest's raw threshold.</summary>
    private static HashSet<(int, int)> Decide(double[] scores, int messages, float[] rawThresholds)
    {
        var matches = new HashSet<(int, int)>();
        for (var m = 0; m < messages; m++)
        {
            for (var i = 0; i < rawThresholds.Length; i++)
            {
                if (scores[m * rawThresholds.Length + i] >= rawThresholds[i])
                {
                    matches.Add((m, i));
                }
            }
        }
        return matches;
    }

    private sealed record ScoringResult(double Rate, double P50, double P99, HashSet<(int, int)> Found);
}
