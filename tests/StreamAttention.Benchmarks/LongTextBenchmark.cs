using StreamAttention.Contracts.Scoring;
using StreamAttention.Onnx;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--long-texts</c>: what scoring long messages in windows costs, in one run: the labelled set's messages as they are
/// (mostly one window), the same texts joined into ~500-word messages scored in windows (the default), and those long
/// messages cut after their first window (<c>Scoring:MaxWindows=1</c>, as before windows), through
/// <see cref="MessageScorer"/> (embedding included) against <c>--interests</c> interests.
/// </summary>
internal static class LongTextBenchmark
{
    private const int LongTextWords = 500;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var sessions = new OnnxSessionFactory(settings.OnnxRuntime);
        var (vectors, glove) = await GloveModel.LoadAsync();
        using var embedder = glove;
        var corpus = BenchmarkCorpus.Load();
        var shortTexts = corpus.Messages(settings.Messages);
        var longTexts = LongTexts(corpus.Messages(settings.Messages * 20), settings.Messages);
        var interests = corpus.Interests(settings.Interests, seed: 42, rank => vectors.Word(rank - 1))
            .Select((text, i) => new InterestDefinition($"i{i}", text)).ToArray();
        Console.WriteLine($"# long texts: {settings.Interests:N0} interests, {settings.Messages} messages per batch, d={embedder.Dimension}, " +
            $"{Environment.ProcessorCount} cores, median of {settings.Repetitions} runs after one warm-up, embedding included");
        Console.WriteLine();
        Console.WriteLine("| messages | scoring | words/message | windows/message | truncated | matches | messages/s | vs short |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        double? shortRate = null;
        Run("labelled-set texts", shortTexts, new ScoringOptions(), "default");
        Run($"~{LongTextWords}-word texts", longTexts, new ScoringOptions(), "windows (default: 8 of 64, half overlap)");
        Run($"~{LongTextWords}-word texts", longTexts, new ScoringOptions { MaxWindows = 1 }, "first 64 words only (MaxWindows=1)");

        void Run(string what, string[] texts, ScoringOptions options, string scoring)
        {
            using var twoStage = new TwoStageScorer(sessions, options);
            var scorer = new MessageScorer(embedder, twoStage);
            var index = scorer.BuildIndex(interests);
            var messages = texts.Select((text, i) => new MessageText($"m{i}", text)).ToArray();
            var windows = embedder.EmbedWindows(texts, options.Windows(embedder.MaxTokens));
            var matches = scorer.Score(messages, index);
            var time = Timing.Median(settings.Repetitions, () => scorer.Score(messages, index));
            var rate = texts.Length / time.TotalSeconds;
            shortRate ??= rate;
            var truncated = Enumerable.Range(0, windows.Count).Count(windows.Truncated);
            Console.WriteLine($"| {what} | {scoring} | {texts.Average(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length):F0} | " +
                $"{(double)windows.Rows.Count / windows.Count:F2} | {truncated} | {matches.Count:N0} | {rate:N0} | {rate / shortRate:F2}× |");
        }
    }

    /// <summary><paramref name="count"/> texts of about <see cref="LongTextWords"/> words, each consecutive messages joined.</summary>
    private static string[] LongTexts(string[] messages, int count)
    {
        var texts = new string[count];
        var next = 0;
        for (var t = 0; t < count; t++)
        {
            var parts = new List<string>();
            var words = 0;
            while (words < LongTextWords)
            {
                var message = messages[next++ % messages.Length];
                parts.Add(message);
                words += message.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
            }
            texts[t] = string.Join(' ', parts);
        }
        return texts;
    }
}
