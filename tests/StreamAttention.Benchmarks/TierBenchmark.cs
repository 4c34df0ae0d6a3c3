using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;
using StreamAttention.Silo.IO;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--tiers</c>: CPU per message of the fast tier and of the cascade with MiniLM float and int8, as the silo's
/// configuration builds them (each a host of its own), on both labelled sets' interests and the first <c>--messages</c>
/// of their messages, in batches of 32, every pair kept as <c>eval</c> scores them and only the matches as the silo does;
/// one warm-up pass each, then <c>--repetitions</c> rounds alternating. Process CPU (every thread, ONNX Runtime's included) is the figure on a shared machine; wall
/// rates follow the load.
/// </summary>
internal static class TierBenchmark
{
    private const int BatchSize = 32;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        (string Name, string[] Arguments)[] variants =
        [
            ("fast", ["--Scoring:Tier=fast"]),
            ("cascade, MiniLM float", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=None"]),
            ("cascade, MiniLM int8", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=Int8"]),
        ];
        var data = BenchmarkCorpus.DataDirectory();
        foreach (var set in new[] { "eval", "wordnet" })
        {
            var interests = ScoringFiles.ReadUniqueInterests(ScoringFiles.Interests(Path.Combine(data, set, "interests.jsonl"), Console.Error), Console.Error, out _);
            var messages = ScoringFiles.Messages(Path.Combine(data, set, "messages.jsonl"), Console.Error).Read().Take(settings.Messages).ToArray();
            var hosts = new List<IHost>();
            try
            {
                var scorers = new List<(MessageScorer Scorer, InterestIndex Index)>();
                foreach (var (_, arguments) in variants)
                {
                    await ModelPreparation.EnsureAsync(StreamAttentionHost.CreateBuilder(arguments).Configuration, TextWriter.Null, CancellationToken.None);
                    hosts.Add(StreamAttentionHost.Build(arguments));
                    var scorer = hosts[^1].Services.GetRequiredService<MessageScorer>();
                    var index = scorer.BuildIndex(interests);
                    ScoreAll(scorer, index, messages, everyPair: true);
                    scorers.Add((scorer, index));
                }
                Console.WriteLine($"# tiers, set {set}: {interests.Count} interests × {messages.Length} messages, batches of {BatchSize}, {Environment.ProcessorCount} cores, load {Load()}");
                Console.WriteLine();
                Console.WriteLine("| scoring | pairs kept | round | msg/s | CPU ms/message | CPU vs fast |");
                Console.WriteLine("|---|---|---|---|---|---|");
                for (var round = 1; round <= settings.Repetitions; round++)
                {
                    foreach (var everyPair in new[] { true, false })
                    {
                        double? fastCpu = null;
                        for (var v = 0; v < variants.Length; v++)
                        {
                            var (wall, cpu) = ScoreAll(scorers[v].Scorer, scorers[v].Index, messages, everyPair);
                            var cpuPerMessage = cpu.TotalMilliseconds / messages.Length;
                            fastCpu ??= cpuPerMessage;
                            Console.WriteLine($"| {variants[v].Name} | {(everyPair ? "every pair (as eval)" : "matches (as the silo)")} | {round} | " +
                                $"{messages.Length / wall.TotalSeconds:N0} | {cpuPerMessage:F2} | {cpuPerMessage / fastCpu:F1}× |");
                        }
                    }
                }
                Console.WriteLine($"# load {Load()} at the end");
                Console.WriteLine();
            }
            finally
            {
                foreach (var host in hosts)
                {
                    host.Dispose();
                }
            }
        }
    }

    /// <param name="everyPair">Keep every pair's score, as <c>eval</c> does (minimum score −1), or only the matches at the interests' thresholds.</param>
    private static (TimeSpan Wall, TimeSpan Cpu) ScoreAll(MessageScorer scorer, InterestIndex index, MessageText[] messages, bool everyPair)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var start = 0; start < messages.Length; start += BatchSize)
        {
            scorer.Score(messages[start..Math.Min(messages.Length, start + BatchSize)], index, everyPair ? -1 : null);
        }
        wall.Stop();
        process.Refresh();
        return (wall.Elapsed, process.TotalProcessorTime - cpu);
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
