using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;
using StreamAttention.Silo.IO;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--tiers</c>: CPU per message of the fast tier and of the cascade with MiniLM float and int8 (and int8 under
/// message budgets of 0.2 and 0.1; with <c>--onnx-provider cuda</c> the fast tier, the cascade near thresholds and the contextual tier on CUDA), as the offline commands build them (each a host of its own, no load budget: the
/// variants alternate, so a budget in wall time would fill while the others run), on both labelled sets' interests
/// and the first <c>--messages</c> of their messages, then on <c>--interests</c> phrases of the scale workload, in batches of 32, every pair kept as <c>eval</c> scores them and only the matches as the silo does;
/// one warm-up pass each, then <c>--repetitions</c> rounds alternating. Process CPU (every thread, ONNX Runtime's included) is the figure on a shared machine; wall
/// rates follow the load.
/// </summary>
internal static class TierBenchmark
{
    private const int BatchSize = 32;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        // --onnx-provider cuda: the tiers on CUDA, where Auto runs MiniLM float (its int8 operator has CPU kernels only).
        // The cascade there rescores every pair of an index up to Scoring:CascadeEveryPairMaxInterests, which is what
        // the contextual tier does; so the cascade variant has that bound at 0 (pairs near thresholds at any size), and
        // the two side by side at a size say what the bound trades at it.
        (string Name, string[] Arguments)[] variants = settings.OnnxRuntime.ExecutionProvider == "cuda"
            ?
            [
                ("fast, CUDA", ["--Scoring:Tier=fast", "--Onnx:ExecutionProvider=cuda"]),
                ("cascade near thresholds, MiniLM float on CUDA", ["--Scoring:Tier=cascade", "--Onnx:ExecutionProvider=cuda", "--Scoring:CascadeEveryPairMaxInterests=0"]),
                ("contextual (the cascade's every pair), MiniLM float on CUDA", ["--Scoring:Tier=contextual", "--Onnx:ExecutionProvider=cuda"]),
            ]
            :
            [
                ("fast", ["--Scoring:Tier=fast"]),
                ("cascade, MiniLM float", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=None"]),
                ("cascade, MiniLM int8", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=Int8"]),
                ("cascade, MiniLM int8, budget 0.2", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=Int8", "--Scoring:CascadeMaxMessageShare=0.2"]),
                ("cascade, MiniLM int8, budget 0.1", ["--Scoring:Tier=cascade", "--Embeddings:MiniLm:Quantization=Int8", "--Scoring:CascadeMaxMessageShare=0.1"]),
            ];
        var data = BenchmarkCorpus.DataDirectory();
        foreach (var set in new[] { "eval", "wordnet" })
        {
            var interests = ScoringFiles.ReadUniqueInterests(ScoringFiles.Interests(Path.Combine(data, set, "interests.jsonl"), Console.Error), Console.Error, out _);
            var messages = ScoringFiles.Messages(Path.Combine(data, set, "messages.jsonl"), Console.Error).Read().Take(settings.Messages).ToArray();
            await CompareAsync($"set {set}", variants, _ => interests, messages, [true, false], settings.Repetitions);
        }
        // As many interests as a deployment has: the fast tier's cost grows with them, MiniLM's per message does not.
        var corpus = BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint);
        var texts = corpus.Messages(settings.Messages).Select((text, i) => new MessageText($"m{i}", text)).ToArray();
        await CompareAsync($"scale workload (disjoint), {settings.Interests:N0} interests", variants,
            embedder => corpus.KnownPhrases(embedder, settings.Interests).Select((text, i) => new InterestDefinition($"i{i}", text)).ToArray(),
            texts, [false], settings.Repetitions);
    }

    private static async Task CompareAsync(string title, (string Name, string[] Arguments)[] variants, Func<ITextEmbedder, IReadOnlyList<InterestDefinition>> interestsFor,
        MessageText[] messages, bool[] pairsKept, int repetitions)
    {
        var hosts = new List<IHost>();
        try
        {
            var scorers = new List<(MessageScorer Scorer, InterestIndex Index)>();
            IReadOnlyList<InterestDefinition>? interests = null;
            foreach (var (_, arguments) in variants)
            {
                await ModelPreparation.EnsureAsync(StreamAttentionHost.CreateBuilder(arguments).Configuration, TextWriter.Null, CancellationToken.None);
                hosts.Add(StreamAttentionHost.BuildOffline(arguments));
                var scorer = hosts[^1].Services.GetRequiredService<MessageScorer>();
                // Every variant embeds with the same fast model, so the first one's choice of interests holds for all.
                interests ??= interestsFor(hosts[^1].Services.GetRequiredService<ITextEmbedder>());
                var index = scorer.BuildIndex(interests);
                ScoreAll(scorer, index, messages, everyPair: pairsKept[0]);
                scorers.Add((scorer, index));
            }
            Console.WriteLine($"# tiers, {title}: {interests!.Count} interests × {messages.Length} messages, batches of {BatchSize}, {Environment.ProcessorCount} cores, load {Load()}");
            Console.WriteLine();
            Console.WriteLine("| scoring | pairs kept | round | msg/s | CPU ms/message | CPU vs fast |");
            Console.WriteLine("|---|---|---|---|---|---|");
            for (var round = 1; round <= repetitions; round++)
            {
                foreach (var everyPair in pairsKept)
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
