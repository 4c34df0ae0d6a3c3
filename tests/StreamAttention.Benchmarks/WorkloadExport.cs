using System.Text.Json;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--write-workload DIR</c>: the ingest benchmark's interests (<see cref="BenchmarkCorpus.KnownPhrases"/>, 10 per
/// user) and messages for <c>--interests</c>, <c>--messages</c>, <c>--workload</c> and <c>--provider</c>, as the
/// <c>score</c> command's input files (interests.jsonl, messages.jsonl), so that the benchmark's matches can be read
/// one by one without the Kafka path (docs/benchmarks.md, "Scale: what matches a message").
/// </summary>
internal static class WorkloadExport
{
    public static async Task RunAsync(BenchmarkSettings settings, string directory)
    {
        using var model = await BenchmarkEmbedder.LoadAsync(settings.Provider);
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
        Directory.CreateDirectory(directory);
        var interests = corpus.KnownPhrases(model.Embedder, settings.Interests);
        await File.WriteAllLinesAsync(Path.Combine(directory, "interests.jsonl"), interests.Select((text, i) =>
            JsonSerializer.Serialize(new { id = $"i{i}", userId = $"user-{i / IngestBenchmark.InterestsPerUser}", text })));
        await File.WriteAllLinesAsync(Path.Combine(directory, "messages.jsonl"), corpus.Messages(settings.Messages).Select((text, m) =>
            JsonSerializer.Serialize(new { id = $"m{m}", text })));
        Console.WriteLine($"# workload {settings.Workload}, phrases {settings.Phrases}, provider {settings.Provider}: {interests.Length:N0} interests, {settings.Messages:N0} messages in {directory}");
    }
}
