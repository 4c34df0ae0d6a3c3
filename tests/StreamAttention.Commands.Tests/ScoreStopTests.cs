using System.Text;
using StreamAttention.Embeddings;
using StreamAttention.Scoring;
using StreamAttention.Silo.Commands;

namespace StreamAttention.Commands.Tests;

/// <summary><c>score</c> stopped in process (its cancellation token): which phase observes the stop, and what it logs after.</summary>
[Collection(CommandHostCollection.Name)]
public sealed class ScoreStopTests(CommandHostFixture host) : IDisposable
{
    private static readonly FileInfo Interests = TestFiles.Repository("Silos/StreamAttention.Silo/samples/interests.jsonl");
    private static readonly FileInfo Messages = TestFiles.Repository("Silos/StreamAttention.Silo/samples/messages.jsonl");
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TestFiles _files = new();

    [Fact]
    public async Task A_stop_while_the_interests_are_embedded_is_taken_after_the_chunk_being_embedded_and_writes_no_output()
    {
        // More interests than one chunk embeds.
        var interests = _files.Write("interests.jsonl", [.. Enumerable.Range(0, 5000).Select(k => TestFiles.Json(new { id = $"i-{k}", text = Texts.DatabaseInterest }))]);
        var output = _files.Path("matches.jsonl");
        using var stop = new CancellationTokenSource();
        var embedder = new EmbedderStoppingAtFirstQueries(host.Scorer.Embedder, stop);
        var log = new StringWriter();

        await Assert.ThrowsAsync<OperationCanceledException>(() => ScoreCommand.RunAsync(new MessageScorer(embedder, host.Scorer.Tiers), interests, Messages, output,
            null, 0, 1024, log, cancellationToken: stop.Token));

        // Every interest used to be embedded before the stop was looked at.
        Assert.Equal(1, embedder.QueryBatches);
        Assert.False(File.Exists(output.FullName));
        Assert.Equal("score: interrupted while it embedded the interests; matches.jsonl not written", LastLine(log));
    }

    [Fact]
    public async Task After_the_line_that_says_the_scoring_was_stopped_nothing_about_the_messages_is_logged()
    {
        var messages = _files.Path("messages.fifo");
        var output = _files.Path("matches.jsonl");
        Assert.Equal(0, (await ChildProcess.RunAsync(Timeout, "mkfifo", messages.FullName)).ExitCode);
        using var stop = new CancellationTokenSource();
        var log = new StringWriter();
        var run = ScoreCommand.RunAsync(host.Scorer, Interests, messages, output, -1, 0, 1, log, cancellationToken: stop.Token);
        // Unbuffered: a write fails at once when the reading end has been closed.
        await using var pipe = await Task.Run(() => new FileStream(messages.FullName, FileMode.Open, FileAccess.Write, FileShare.Read, bufferSize: 0)).WaitAsync(Timeout);
        await WriteLines(pipe, TestFiles.Json(new { id = "m-1", text = "the primary database failed over to its replica" }));
        using (var waiting = new CancellationTokenSource(Timeout))
        {
            while (!File.Exists(output.FullName) || File.ReadAllText(output.FullName).Count(c => c == '\n') < 10)
            {
                Assert.False(run.IsCompleted, "it ended before the message was scored");
                await Task.Delay(100, waiting.Token);
            }
        }

        await stop.CancelAsync();
        await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        // The reading thread, still waiting on the pipe, reads a bad line, then a message it can no longer hand on: it
        // ends, closing the pipe, which the next write finds.
        await WriteLines(pipe, "not json", TestFiles.Json(new { id = "m-2", text = "disk full" }));
        using (var waiting = new CancellationTokenSource(Timeout))
        {
            while (await WriteLines(pipe, TestFiles.Json(new { id = "m-3", text = "disk full" })))
            {
                await Task.Delay(100, waiting.Token);
            }
        }

        // The bad line used to be reported after it.
        Assert.Equal("score: interrupted: matches.jsonl holds the 10 matches of the first 1 messages", LastLine(log));
    }

    /// <summary>False once the pipe's reading end was closed.</summary>
    private static async Task<bool> WriteLines(FileStream pipe, params string[] lines)
    {
        try
        {
            await pipe.WriteAsync(Encoding.UTF8.GetBytes(string.Concat(lines.Select(line => line + "\n"))));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static string LastLine(StringWriter log) => log.ToString().TrimEnd().Split(Environment.NewLine).Last();

    public void Dispose() => _files.Dispose();

    /// <summary>The fixture's embedder, which requests a stop as it embeds its first interests.</summary>
    private sealed class EmbedderStoppingAtFirstQueries(ITextEmbedder embedder, CancellationTokenSource stop) : ITextEmbedder
    {
        public int QueryBatches { get; private set; }

        public string Name => embedder.Name;

        public int Dimension => embedder.Dimension;

        public int MaxTokens => embedder.MaxTokens;

        public TokenBatch Embed(IReadOnlyList<string> texts) => embedder.Embed(texts);

        public TokenBatch EmbedQueries(IReadOnlyList<string> texts)
        {
            QueryBatches++;
            stop.Cancel();
            return embedder.EmbedQueries(texts);
        }

        public void Dispose()
        {
        }
    }
}
