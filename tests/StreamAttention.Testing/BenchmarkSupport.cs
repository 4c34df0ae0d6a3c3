using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Testing;

/// <summary>
/// Command-line settings: <c>--interests N --messages M --repetitions R --naive-interests K --top-k C</c> (<c>--ingest</c>:
/// the end-to-end Kafka benchmark, <c>IngestBenchmark</c>; <c>--engines</c> with <c>--sizes N,… --probes P,…</c>:
/// the scoring engines compared, <c>EngineComparison</c>; <c>--scale</c> with <c>--sizes N,… --end-to-end-sizes N,…
/// --per-pair-max N --plot PATH</c>: scoring alone and end to end against the number of interests, <c>ScaleBenchmark</c>;
/// <c>--workload disjoint|same-texts</c>: where interests and messages come from, <see cref="BenchmarkCorpus.Load"/>;
/// <c>--phrases random|topic</c>: how interest phrases are cut from the texts, <see cref="BenchmarkPhrases"/>;
/// <c>--provider glove|distilled|minilm</c>: the embedder, the silo's default unless given; scores are calibrated;
/// <c>--match-records PerMatch|PerUserBatch</c>: the ingest's <c>Ingest:Output:MatchRecords</c>, its default unless given;
/// <c>--output-records</c>: the output records' cost per match in each layout, <c>OutputRecordsBenchmark</c>;
/// <c>--calibration-measure</c>: the calibration's cost per interest measured, <c>CalibrationMeasureBenchmark</c>;
/// <c>--paced-rate R</c>: the ingest's paced phase at R messages/s instead of half the saturated rate, so that runs
/// with different settings are compared at one rate; <c>--batch-size B</c>: messages per scoring call in <c>--scale</c>'s
/// scoring alone, 32 unless given: 1 is a paced stream's batch; <c>--quantized-max N</c>: its
/// <c>Scoring:QuantizedPrefilterMaxMessages</c>, the default unless given; <c>--word-slots N</c>: its
/// <c>Scoring:MaxWordSlotsPerRun</c>, the default unless given; <c>--users U</c>, <c>--rounds R</c>: <c>--attention-state</c>'s
/// users and rounds, 500 and 1,500 unless given; <c>--fresh-paced</c>: the ingest's paced phase produces texts the run has not
/// produced before, so its matches are new to their users (past the rate limit, digest deferrals) rather than
/// suppressed duplicates of the saturated phase's).
/// </summary>
public sealed class BenchmarkSettings
{
    public int Interests { get; private init; } = 10_000;
    public int Messages { get; private init; } = 256;
    public int Repetitions { get; private init; } = 5;
    public int NaiveInterests { get; private init; } = 400;
    public int TopK { get; private init; } = 256;
    public int[] Sizes { get; private init; } = [1_000, 10_000, 100_000];
    public int[] Probes { get; private init; } = [4, 16];
    public int[] EndToEndSizes { get; private init; } = [1_000, 10_000];
    public int PerPairMaxInterests { get; private init; } = 100_000;
    public string PlotPath { get; private init; } = "scale-benchmark.png";
    public BenchmarkWorkload Workload { get; private init; } = BenchmarkWorkload.Disjoint;
    public BenchmarkPhrases Phrases { get; private init; } = BenchmarkPhrases.Random;
    public string Provider { get; private init; } = StreamAttentionHost.DefaultProvider;
    /// <summary>The ONNX Runtime execution provider of the scoring sessions (<c>--onnx-provider cpu|cuda</c>), as Onnx:ExecutionProvider.</summary>
    public OnnxRuntimeOptions OnnxRuntime { get; private init; } = new();
    public string? MatchRecords { get; private init; }
    public int? PacedRate { get; private init; }
    public int BatchSize { get; private init; } = 32;
    public int? QuantizedMaxMessages { get; private init; }
    public int? WordSlots { get; private init; }
    public int Users { get; private init; } = 500;
    public int Rounds { get; private init; } = 1_500;
    public bool FreshPaced { get; private init; }
    public bool RedisStorage { get; private init; }
    public double PeakGflops { get; set; }

    public static BenchmarkSettings Parse(string[] args)
    {
        int Value(string name, int fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
        }
        int[] Values(string name, int[] fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray() : fallback;
        }
        string? Text(string name)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
        }
        var defaults = new BenchmarkSettings();
        return new BenchmarkSettings
        {
            Interests = Value("--interests", defaults.Interests),
            Messages = Value("--messages", defaults.Messages),
            Repetitions = Value("--repetitions", defaults.Repetitions),
            NaiveInterests = Value("--naive-interests", defaults.NaiveInterests),
            TopK = Value("--top-k", defaults.TopK),
            Sizes = Values("--sizes", defaults.Sizes),
            Probes = Values("--probes", defaults.Probes),
            EndToEndSizes = Values("--end-to-end-sizes", defaults.EndToEndSizes),
            PerPairMaxInterests = Value("--per-pair-max", defaults.PerPairMaxInterests),
            PlotPath = Text("--plot") ?? defaults.PlotPath,
            Workload = Text("--workload") is { } workload
                ? Enum.Parse<BenchmarkWorkload>(workload.Replace("-", ""), ignoreCase: true)
                : defaults.Workload,
            Phrases = Text("--phrases") is { } phrases ? Enum.Parse<BenchmarkPhrases>(phrases, ignoreCase: true) : defaults.Phrases,
            Provider = Text("--provider") ?? defaults.Provider,
            OnnxRuntime = OnnxRuntimeFor(Text("--onnx-provider")?.ToLowerInvariant() ?? defaults.OnnxRuntime.ExecutionProvider),
            MatchRecords = Text("--match-records"),
            PacedRate = Value("--paced-rate", 0) is > 0 and var rate ? rate : null,
            BatchSize = Value("--batch-size", defaults.BatchSize),
            // 0 is a value here (always the GEMM), which Value would take for "not given".
            QuantizedMaxMessages = Text("--quantized-max") is { } quantizedMax ? int.Parse(quantizedMax) : null,
            WordSlots = Value("--word-slots", 0) is > 0 and var slots ? slots : null,
            Users = Value("--users", defaults.Users),
            Rounds = Value("--rounds", defaults.Rounds),
            FreshPaced = args.Contains("--fresh-paced"),
            RedisStorage = Text("--storage")?.ToLowerInvariant() switch
            {
                null or "memory" => false,
                "redis" => true,
                var storage => throw new ArgumentException($"--storage {storage}: memory or redis"),
            },
        };
    }

    /// <summary><c>--onnx-provider</c> as Onnx:ExecutionProvider, refused by the options' own validation unless cpu or cuda.</summary>
    private static OnnxRuntimeOptions OnnxRuntimeFor(string executionProvider)
    {
        var options = new OnnxRuntimeOptions { ExecutionProvider = executionProvider };
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }
}

/// <summary>Where the benchmark's interests and messages come from.</summary>
public enum BenchmarkWorkload
{
    /// <summary>
    /// Interests cut from one half of both labelled sets' texts, messages the other half: related by topic and
    /// vocabulary, never by containing the interest verbatim (a notification stream).
    /// </summary>
    Disjoint,

    /// <summary>Interests cut from the very texts that are the messages (every message contains some interests verbatim).</summary>
    SameTexts,
}

/// <summary>How <see cref="BenchmarkCorpus.Phrases"/> cuts an interest from a text.</summary>
public enum BenchmarkPhrases
{
    /// <summary>
    /// 3–6 consecutive words from anywhere in a text (every benchmark before "Scale: what matches a message" in
    /// docs/benchmarks.md): many are fragments a user would not write as a topic, cut mid-clause ("in the second",
    /// "court: the court on"), 14 % with a single content word.
    /// </summary>
    Random,

    /// <summary>
    /// What a user writes as a topic: 2–4 consecutive words within one clause (no punctuation inside), starting and
    /// ending with a content word (not a stop word), at least two content words: "major taxonomic group", "blood
    /// vessels", "replication lag on the primary".
    /// </summary>
    Topic,
}

/// <summary>
/// Texts for the benchmark: messages, written interests topped up with generated ones, and the texts that interest
/// phrases are cut from.
/// </summary>
public sealed class BenchmarkCorpus(string[] messages, string[] interests, string[] phraseSources, BenchmarkPhrases phraseStyle = BenchmarkPhrases.Random)
{
    /// <summary>The labelled sets' texts arranged as <paramref name="workload"/> says, interests cut as <paramref name="phrases"/> says.</summary>
    public static BenchmarkCorpus Load(BenchmarkWorkload workload = BenchmarkWorkload.SameTexts, BenchmarkPhrases phrases = BenchmarkPhrases.Random)
    {
        var data = DataDirectory();
        var evalMessages = Texts(Path.Combine(data, "eval", "messages.jsonl"));
        var evalInterests = Texts(Path.Combine(data, "eval", "interests.jsonl"));
        if (workload == BenchmarkWorkload.SameTexts)
        {
            return new BenchmarkCorpus(evalMessages, evalInterests, evalMessages, phrases);
        }
        // A fixed shuffle, so that both halves mix the sets' kinds of text (ops notes and glosses) alike.
        var texts = evalMessages.Concat(Texts(Path.Combine(data, "wordnet", "messages.jsonl"))).ToArray();
        new Random(7).Shuffle(texts);
        return new BenchmarkCorpus(texts[(texts.Length / 2)..], evalInterests, texts[..(texts.Length / 2)], phrases);
    }

    /// <summary>tests/data of the repository this benchmark was built in: the labelled sets.</summary>
    public static string DataDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "StreamAttention.sln")))
        {
            directory = directory.Parent;
        }
        return Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("StreamAttention.sln not found above " + AppContext.BaseDirectory), "tests", "data");
    }

    public string[] Messages(int count) => Enumerable.Range(0, count).Select(i => messages[i % messages.Length]).ToArray();

    /// <summary>
    /// The written interests first, then random 2–5 word phrases of common words (frequency ranks 500–30,000), so that
    /// most interests are unrelated to a given message, as in a large population of users.
    /// </summary>
    public string[] Interests(int count, int seed, Func<int, string> wordOfRank)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => i < interests.Length
                ? interests[i]
                : string.Join(' ', Enumerable.Range(0, random.Next(2, 6)).Select(_ => wordOfRank(random.Next(500, 30_000)))))
            .ToArray();
    }

    /// <summary>Phrases cut at random (fixed seed) from the phrase sources, as the corpus's <see cref="BenchmarkPhrases"/> says: interests that look like the messages.</summary>
    public string[] Phrases(int count, int seed)
    {
        var random = new Random(seed);
        var words = phraseSources.Select(m => m.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w.Length >= 3).ToArray();
        if (phraseStyle == BenchmarkPhrases.Random)
        {
            return Enumerable.Range(0, count).Select(_ =>
            {
                var text = words[random.Next(words.Length)];
                var length = Math.Min(text.Length, random.Next(3, 7));
                return string.Join(' ', text.Skip(random.Next(text.Length - length + 1)).Take(length));
            }).ToArray();
        }
        var topics = words.Select(TopicPhrases).Where(t => t.Length > 0).ToArray();
        return Enumerable.Range(0, count).Select(_ =>
        {
            var phrases = topics[random.Next(topics.Length)];
            return phrases[random.Next(phrases.Length)];
        }).ToArray();
    }

    /// <summary>Every <see cref="BenchmarkPhrases.Topic"/> phrase of one text's words.</summary>
    public static string[] TopicPhrases(string[] words)
    {
        // Punctuation a clause ends with may trail the phrase's last word, and is dropped; any other ends the clause
        // ("court:", "(often", a quote), so the phrase may not hold it.
        var trimmed = words.Select(w => w.TrimEnd('.', ',', ';', ':', '!', '?')).ToArray();
        bool Clean(string word) => word.Length > 0 && word.All(c => char.IsLetterOrDigit(c) || c is '-' or '\'');
        bool IsContent(string word) => word.Any(char.IsLetter) && !WordTokenizer.English.IsStopWord(word.ToLowerInvariant());
        var phrases = new List<string>();
        for (var start = 0; start < words.Length; start++)
        {
            for (var end = start + 2; end <= Math.Min(words.Length, start + 4); end++)
            {
                var inner = words[start..(end - 1)];
                var last = trimmed[end - 1];
                if (inner.All(Clean) && Clean(last) && IsContent(inner[0]) && IsContent(last))
                {
                    phrases.Add(string.Join(' ', [.. inner, last]));
                }
                if (!Clean(words[end - 1]))
                {
                    break;
                }
            }
        }
        return [.. phrases];
    }

    /// <summary>
    /// The first <paramref name="count"/> of the <see cref="Phrases"/> (seed 42) with at least one word that
    /// <paramref name="embedder"/> knows: the silo refuses interests it could never match.
    /// </summary>
    public string[] KnownPhrases(ITextEmbedder embedder, int count)
    {
        var known = Phrases(count + count / 10 + 16, seed: 42).Chunk(10_000)
            .SelectMany(chunk => embedder.Embed(chunk) is var embedded ? chunk.Where((_, i) => embedded.TokenCount(i) > 0) : [])
            .Take(count).ToArray();
        return known.Length == count ? known : throw new InvalidOperationException($"Only {known.Length} of the {count} phrases have a word that {embedder.Name} knows.");
    }

    private static string[] Texts(string path)
        => File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray();
}

public static class Timing
{
    /// <summary>Median wall time of <paramref name="repetitions"/> runs after one warm-up run.</summary>
    public static TimeSpan Median(int repetitions, Action action)
    {
        var times = Measure(repetitions, action);
        return times[times.Length / 2];
    }

    public static TimeSpan Median<T>(int repetitions, Func<T> function) => Median(repetitions, () => { function(); });

    /// <summary>Fastest of <paramref name="repetitions"/> runs after one warm-up run: for peak rates.</summary>
    public static TimeSpan Best(int repetitions, Action action) => Measure(repetitions, action)[0];

    private static TimeSpan[] Measure(int repetitions, Action action)
    {
        action();
        var times = new TimeSpan[repetitions];
        for (var r = 0; r < repetitions; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[r] = clock.Elapsed;
        }
        Array.Sort(times);
        return times;
    }
}

/// <summary>Counts the scorer's prefilter and cross-attention pairs through its metrics, to show how much stage 1 prunes.</summary>
public sealed class PairCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _pairs, _candidates;

    public PairCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // By name: the instruments are published while ScoringInstruments initialises, before its fields are set.
            if (instrument.Meter.Name == InstrumentNames.Meter && instrument.Name is InstrumentNames.ScoringPairs or InstrumentNames.ScoringCandidatePairs)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            Interlocked.Add(ref instrument.Name == InstrumentNames.ScoringPairs ? ref _pairs : ref _candidates, value));
        _listener.Start();
    }

    /// <summary>Share of prefilter pairs that went on to cross-attention since the last call.</summary>
    public double TakeCandidateShare()
    {
        return (double)Interlocked.Exchange(ref _candidates, 0) / Math.Max(1, Interlocked.Exchange(ref _pairs, 0));
    }

    public void Dispose() => _listener.Dispose();
}
