using Microsoft.ML.OnnxRuntime;
using StreamAttention.Benchmarks;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Onnx;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;
using static Onnx.TensorProto.Types;

// Scoring-core benchmark: every number below is measured in this one run, on this machine, side by side.
var settings = BenchmarkSettings.Parse(args);
if (args.Contains("--ingest"))
{
    try
    {
        await IngestBenchmark.RunAsync(settings);
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("# stopped by a signal before the benchmark ended");
        return 143;
    }
    return 0;
}
if (Array.IndexOf(args, "--write-workload") is >= 0 and var writeAt && writeAt + 1 < args.Length)
{
    await WorkloadExport.RunAsync(settings, args[writeAt + 1]);
    return 0;
}
if (args.Contains("--restart"))
{
    await RestartBenchmark.RunAsync(settings, args);
    return 0;
}
if (args.Contains("--output-records"))
{
    await OutputRecordsBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--scale"))
{
    await ScaleBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--engines"))
{
    await EngineComparison.RunAsync(settings);
    return 0;
}
if (args.Contains("--tiers"))
{
    await TierBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--minilm"))
{
    await MiniLmBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--calibration-measure"))
{
    await CalibrationMeasureBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--nearest"))
{
    await NearestWordsBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--quantized-prefilter"))
{
    await QuantizedPrefilterBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--stored-count"))
{
    await StoredCountBenchmark.RunAsync(args);
    return 0;
}
if (args.Contains("--tenant-counts"))
{
    await TenantCountsBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--tenant-writes"))
{
    await TenantWritesBenchmark.RunAsync(settings, args);
    return 0;
}
if (args.Contains("--attention-state"))
{
    await AttentionStateBenchmark.RunAsync(settings);
    return 0;
}
if (args.Contains("--silo-grouping"))
{
    SiloGroupingBenchmark.Run(settings);
    return 0;
}
if (args.Contains("--long-texts"))
{
    await LongTextBenchmark.RunAsync(settings);
    return 0;
}
var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
var (vectors, glove) = await GloveModel.LoadAsync();
using var embedder = glove;
var corpus = BenchmarkCorpus.Load();
var messageTexts = corpus.Messages(settings.Messages);
var interestTexts = corpus.Interests(settings.Interests, seed: 42, rank => vectors.Word(rank - 1));
Console.WriteLine($"# scoring benchmark: {settings.Interests:N0} interests × {settings.Messages:N0} messages, d={embedder.Dimension}, {Environment.ProcessorCount} cores, ORT {OrtEnv.Instance().GetVersionString()}, provider {sessions.ScoringGraphProvider}");

var embedTime = Timing.Median(settings.Repetitions, () => embedder.Embed(messageTexts));
var messages = embedder.Embed(messageTexts);
var scoringOptions = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f };
var index = InterestIndex.Build(interestTexts.Select((t, i) => new InterestDefinition($"i{i}", t)).ToArray(), embedder, scoringOptions);
var wholeTimes = new List<(string Name, TimeSpan Time)>();
using var pairCounter = new PairCounter();
var rows = new List<(string What, string Value, string Note)>
{
    ("embed messages (GloVe, vectorized)", $"{settings.Messages / embedTime.TotalSeconds:N0} msg/s", $"{embedTime.TotalMilliseconds:F1} ms per batch, {messages.Tokens} token slots"),
};

// 1. ONNX Runtime SGEMM peak: one large square MatMul.
const int n = 2048;
using (var gemmSession = sessions.Create(SquareMatMul(n), "sgemm-peak"))
{
    var a = Random(n * n, 1);
    var b = Random(n * n, 2);
    var c = new float[n * n];
    using var av = OrtValue.CreateTensorValueFromMemory(a, [n, n]);
    using var bv = OrtValue.CreateTensorValueFromMemory(b, [n, n]);
    using var cv = OrtValue.CreateTensorValueFromMemory(c, [n, n]);
    using var runOptions = new RunOptions();
    var time = Timing.Best(settings.Repetitions, () => gemmSession.Run(runOptions, ["a", "b"], [av, bv], ["c"], [cv]));
    var peak = 2.0 * n * n * n / time.TotalSeconds / 1e9;
    rows.Add(("ORT SGEMM peak (2048³, best run)", $"{peak:F1} GFLOP/s", $"{time.TotalMilliseconds:F1} ms"));
    settings.PeakGflops = peak;
}

// 2. Stage 1: one GEMM of pooled messages against all interests.
using (var prefilter = new PrefilterStage(sessions))
{
    var time = Timing.Median(settings.Repetitions * 4, () => prefilter.Run(messages.Pooled, messages.Count, index.Queries, index.Count, index.Dimension));
    var gflops = 2.0 * messages.Count * index.Count * index.Dimension / time.TotalSeconds / 1e9;
    rows.Add(("stage 1 prefilter GEMM", $"{gflops:F1} GFLOP/s", $"{time.TotalMilliseconds:F2} ms; {gflops / settings.PeakGflops:P0} of SGEMM peak"));
}

// 3. Stage 2: every message gets its 64 best prefilter candidates, all scored by cross-attention (plus stage 1, timed above).
const int candidates = 64;
using (var topCandidates = new TwoStageScorer(sessions, new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, PrefilterTopK = candidates }))
{
    var time = Timing.Median(settings.Repetitions, () => topCandidates.Score(messages, index, minScoreOverride: -1));
    var stagePairs = (double)messages.Count * Math.Min(candidates, index.Count);
    rows.Add(("stage 2 cross-attention", $"{stagePairs / time.TotalSeconds:N0} pairs/s", $"top {candidates} candidates × {settings.Messages} messages in {time.TotalMilliseconds:F1} ms, stage 1 and highlights included"));
}

// 4. The whole two-stage scoring as the product runs it: exhaustive (lossless pruning only, the default),
//    with top-k candidates per message (recall measured against exhaustive), and with pooled queries.
var pairs = (double)messages.Count * index.Count;
var exhaustive = WholeScoring("whole scoring, exhaustive (default)", scoringOptions, index, reference: null);
WholeScoring($"whole scoring, top {settings.TopK} candidates/message", new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, PrefilterTopK = settings.TopK }, index, reference: exhaustive);
var pooledOptions = new ScoringOptions { Calibration = ScoreCalibration.None, DefaultThreshold = 0.7f, Queries = InterestQueryMode.Pooled };
WholeScoring("whole scoring, pooled queries, exhaustive", pooledOptions,
    InterestIndex.Build(index.Interests, embedder, pooledOptions), reference: null);

// 5. The naive per-pair loop (ReferenceScorer: plain loops, no batching, no pruning) on a sample of the pairs.
var sampleInterests = Math.Min(index.Count, settings.NaiveInterests);
var naiveTime = Timing.Median(1, () =>
{
    for (var m = 0; m < messages.Count; m++)
    {
        for (var i = 0; i < sampleInterests; i++)
        {
            ReferenceScorer.Score(messages, m, index, i, scoringOptions);
        }
    }
});
var naivePairsPerSecond = messages.Count * sampleInterests / naiveTime.TotalSeconds;
var naiveFull = TimeSpan.FromSeconds(pairs / naivePairsPerSecond);
rows.Add(("naive per-pair C# loop", $"{naivePairsPerSecond:N0} pairs/s", $"{sampleInterests} interests × {settings.Messages} messages in {naiveTime.TotalSeconds:F2} s; all pairs would take {naiveFull.TotalSeconds:F1} s"));
foreach (var (name, time) in wholeTimes)
{
    rows.Add(($"{name} vs naive loop", $"{naiveFull / time:F1}×", "same pairs, same formula (default queries)"));
}

Console.WriteLine();
Console.WriteLine("| measurement | result | detail |");
Console.WriteLine("|---|---|---|");
foreach (var (what, value, note) in rows)
{
    Console.WriteLine($"| {what} | {value} | {note} |");
}
return 0;

HashSet<(int, int)> WholeScoring(string name, ScoringOptions options, InterestIndex interests, HashSet<(int, int)>? reference)
{
    using var scorer = new TwoStageScorer(sessions, options);
    List<RowMatch> matches = [];
    pairCounter.TakeCandidateShare();
    var time = Timing.Median(settings.Repetitions, () => matches = scorer.Score(messages, interests));
    var toStage2 = pairCounter.TakeCandidateShare();
    var found = matches.Select(m => (m.MessageIndex, m.InterestIndex)).ToHashSet();
    var recall = reference is null ? "" : $", recall of exhaustive matches {(double)found.Count(reference.Contains) / Math.Max(1, reference.Count):P2}";
    rows.Add((name, $"{pairs / time.TotalSeconds:N0} pairs/s", $"{time.TotalMilliseconds:F1} ms for {pairs:N0} pairs ({toStage2:P1} reach stage 2), {matches.Count:N0} matches{recall}"));
    wholeTimes.Add((name, time));
    return found;
}

static byte[] SquareMatMul(int size)
{
    var graph = new OnnxGraphBuilder("sgemm")
        .Input("a", DataType.Float, size, size)
        .Input("b", DataType.Float, size, size)
        .Output("c", DataType.Float, size, size);
    graph.Node("MatMul", ["a", "b"], "c");
    return graph.ToBytes();
}

static float[] Random(int length, int seed)
{
    var random = new Random(seed);
    var data = new float[length];
    for (var i = 0; i < length; i++)
    {
        data[i] = (float)(random.NextDouble() - 0.5);
    }
    return data;
}
