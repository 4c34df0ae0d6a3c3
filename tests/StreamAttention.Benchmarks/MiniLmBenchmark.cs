using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--minilm</c>: what one MiniLM run per message costs on CPU, as the cascade's rescorer runs it (each message in its
/// windows, default layout), for the float and the int8 model, with ONNX Runtime's default intra-op threads and with one,
/// all texts in one call and in calls of a scoring batch's size, alternately, in <c>--repetitions</c> rounds over the
/// eval set's first <c>--messages</c> texts. Also prints which operators ONNX Runtime's optimizer leaves in each graph.
/// </summary>
internal static class MiniLmBenchmark
{
    /// <summary>Texts per call in the chunked variants: about the messages of one scoring batch of 32 that the cascade sends to MiniLM.</summary>
    private const int CallSize = 20;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var floatFiles = await new MiniLmModelSetup().EnsureAsync(new MiniLmOptions());
        var int8Options = new MiniLmOptions { Quantization = MiniLmQuantization.Int8 };
        var int8Files = await new MiniLmModelSetup().EnsureAsync(int8Options);
        var texts = BenchmarkCorpus.Load().Messages(settings.Messages);
        var layout = new ScoringOptions().Windows(new MiniLmOptions().MaxTokens);
        (string Name, TransformerEmbeddingOptions Model)[] models =
        [
            ("float", floatFiles.EmbedderOptions(new MiniLmOptions { Quantization = MiniLmQuantization.None }, "cpu")),
            ("int8", int8Files.EmbedderOptions(int8Options, "cpu")),
        ];
        foreach (var (name, model) in models)
        {
            Console.WriteLine($"# {name}: operators after ORT_ENABLE_ALL: {OptimizedOperators(model.ModelPath)}");
        }
        // Every model with ONNX Runtime's default intra-op threads and with one; all texts in one call (runs of similar
        // lengths) and in calls of CallSize texts, as the cascade hands over the messages of one scoring batch.
        var variants = (from threads in new[] { 0, 1 }
                        from callSize in new[] { texts.Length, CallSize }
                        from model in models
                        select (Name: $"{model.Name}, {(threads == 0 ? "default threads" : "1 thread")}, {(callSize == texts.Length ? "one call" : $"calls of {CallSize}")}",
                            Embedder: new TransformerEmbedder(model.Model, new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpThreads = threads })), CallSize: callSize)).ToArray();
        try
        {
            foreach (var variant in variants)
            {
                Embed(variant.Embedder, texts[..Math.Min(64, texts.Length)], layout, CallSize);
            }
            var pieces = texts.Select(t => variants[0].Embedder.Embed([t]).TokenTexts[0].Length).ToArray();
            Console.WriteLine($"# MiniLM per message: the eval set's first {texts.Length} texts (word pieces: mean {pieces.Average():F0}, max {pieces.Max()}), " +
                $"{Environment.ProcessorCount} cores, load {Load()}, {settings.Repetitions} rounds alternating");
            Console.WriteLine();
            Console.WriteLine("| model, threads, calls | round | msg/s | CPU ms/message |");
            Console.WriteLine("|---|---|---|---|");
            var process = Process.GetCurrentProcess();
            for (var round = 1; round <= settings.Repetitions; round++)
            {
                foreach (var variant in variants)
                {
                    process.Refresh();
                    var cpu = process.TotalProcessorTime;
                    var wall = Stopwatch.StartNew();
                    Embed(variant.Embedder, texts, layout, variant.CallSize);
                    wall.Stop();
                    process.Refresh();
                    Console.WriteLine($"| {variant.Name} | {round} | {texts.Length / wall.Elapsed.TotalSeconds:N0} | {(process.TotalProcessorTime - cpu).TotalMilliseconds / texts.Length:F2} |");
                }
            }
            Console.WriteLine($"# load {Load()} at the end");
        }
        finally
        {
            foreach (var variant in variants)
            {
                variant.Embedder.Dispose();
            }
        }
    }

    private static void Embed(TransformerEmbedder embedder, string[] texts, WindowLayout layout, int callSize)
    {
        for (var start = 0; start < texts.Length; start += callSize)
        {
            embedder.EmbedWindows(texts[start..Math.Min(texts.Length, start + callSize)], layout);
        }
    }

    private static string Load() => File.ReadAllText("/proc/loadavg").Split(' ')[0];

    /// <summary>The operator counts of the graph ONNX Runtime runs after its optimizations (written out once to a temporary file).</summary>
    private static string OptimizedOperators(string modelPath)
    {
        var optimized = Path.Combine(Path.GetTempPath(), $"minilm-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, OptimizedModelFilePath = optimized })
            using (new InferenceSession(modelPath, options))
            {
            }
            return string.Join(", ", ModelProto.Parser.ParseFrom(File.ReadAllBytes(optimized)).Graph.Node
                .GroupBy(n => n.OpType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}"));
        }
        finally
        {
            File.Delete(optimized);
        }
    }
}
