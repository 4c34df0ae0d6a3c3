using System.Diagnostics;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Silo.Commands;
using Xunit.Abstractions;

namespace StreamAttention.Commands.Tests;

/// <summary><c>score</c> at the size the issue asks for: 200 interests × 6,000 messages, every pair written.</summary>
[Collection(CommandHostCollection.Name)]
public sealed class ScoreScaleTests(CommandHostFixture host, ITestOutputHelper output) : IDisposable
{
    private const int InterestCount = 200;
    private const int MessageCount = 6_000;

    private readonly TestFiles _files = new();

    [Fact]
    public async Task Writes_every_pair_of_200_interests_and_6000_messages()
    {
        // Texts drawn from the words of the labelled set, so most are known to the embedder, as in real messages.
        var words = File.ReadLines(TestFiles.Repository("tests/data/eval/messages.jsonl").FullName)
            .SelectMany(WordTokenizer.English.Tokenize).Distinct().ToArray();
        var random = new Random(7);
        string Text(int minWords, int maxWords) => string.Join(' ', Enumerable.Range(0, random.Next(minWords, maxWords + 1)).Select(_ => words[random.Next(words.Length)]));
        var interests = _files.Write("interests.jsonl", [.. Enumerable.Range(0, InterestCount).Select(i => TestFiles.Json(new { id = $"i{i}", text = Text(2, 5), userId = $"u{i % 40}" }))]);
        var messages = _files.Write("messages.jsonl", [.. Enumerable.Range(0, MessageCount).Select(m => TestFiles.Json(new { id = $"m{m}", text = Text(5, 40) }))]);
        var matches = _files.Path("matches.jsonl");
        var log = new StringWriter();

        var clock = Stopwatch.StartNew();
        var exitCode = await ScoreCommand.RunAsync(host.Scorer, interests, messages, matches, minScore: -1, topK: 0, batchSize: 1024, log);
        output.WriteLine($"{InterestCount} interests × {MessageCount:N0} messages scored and written in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(log.ToString());

        Assert.Equal(0, exitCode);
        Assert.Contains($"score: done: 6,000 messages (0 bad lines) × 200 interests → 1,200,000 matches", log.ToString());
        // Counted by streaming: the file is far too large to hold parsed.
        Assert.Equal(InterestCount * MessageCount, File.ReadLines(matches.FullName).LongCount());
    }

    public void Dispose() => _files.Dispose();
}
