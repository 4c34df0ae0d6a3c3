using System.Diagnostics;
using System.Text.Json;

namespace StreamAttention.Benchmarks;

/// <summary>Command-line settings: <c>--interests N --messages M --repetitions R --naive-interests K --top-k C</c>.</summary>
internal sealed class BenchmarkSettings
{
    public int Interests { get; private init; } = 10_000;
    public int Messages { get; private init; } = 256;
    public int Repetitions { get; private init; } = 5;
    public int NaiveInterests { get; private init; } = 400;
    public int TopK { get; private init; } = 256;
    public double PeakGflops { get; set; }

    public static BenchmarkSettings Parse(string[] args)
    {
        int Value(string name, int fallback)
        {
            var at = Array.IndexOf(args, name);
            return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) && value > 0 ? value : fallback;
        }
        var defaults = new BenchmarkSettings();
        return new BenchmarkSettings
        {
            Interests = Value("--interests", defaults.Interests),
            Messages = Value("--messages", defaults.Messages),
            Repetitions = Value("--repetitions", defaults.Repetitions),
            NaiveInterests = Value("--naive-interests", defaults.NaiveInterests),
            TopK = Value("--top-k", defaults.TopK),
        };
    }
}

/// <summary>Realistic texts from the labelled evaluation set: its messages, and interests made of its interests plus word spans of its messages.</summary>
internal sealed class BenchmarkCorpus(string[] messages, string[] interests)
{
    public static BenchmarkCorpus Load()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "StreamAttention.sln")))
        {
            directory = directory.Parent;
        }
        var data = Path.Combine(directory?.FullName ?? throw new DirectoryNotFoundException("StreamAttention.sln not found above " + AppContext.BaseDirectory), "tests", "data", "eval");
        return new BenchmarkCorpus(Texts(Path.Combine(data, "messages.jsonl")), Texts(Path.Combine(data, "interests.jsonl")));
    }

    public string[] Messages(int count) => Enumerable.Range(0, count).Select(i => messages[i % messages.Length]).ToArray();

    /// <summary>The real interests first, then random 2–5 word spans of messages, like users' short interest phrases.</summary>
    public string[] Interests(int count, int seed)
    {
        var random = new Random(seed);
        var words = messages.Select(m => m.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(w => w.Length >= 5).ToArray();
        return Enumerable.Range(0, count).Select(i =>
        {
            if (i < interests.Length)
            {
                return interests[i];
            }
            var source = words[random.Next(words.Length)];
            var length = random.Next(2, 6);
            return string.Join(' ', source.Skip(random.Next(source.Length - length + 1)).Take(length));
        }).ToArray();
    }

    private static string[] Texts(string path)
        => File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!).ToArray();
}

internal static class Timing
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
