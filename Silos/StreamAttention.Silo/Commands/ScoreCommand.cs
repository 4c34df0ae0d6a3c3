using System.CommandLine;
using System.Diagnostics;
using System.Threading.Channels;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;
using StreamAttention.Silo.Hosting;
using StreamAttention.Silo.IO;

namespace StreamAttention.Silo.Commands;

/// <summary><c>streamattention score</c>: offline scoring of a message history against interests (backtesting filters).</summary>
public static class ScoreCommand
{
    public static Command Create()
    {
        var interests = new Option<FileInfo>("--interests") { Description = "interests.jsonl: {\"id\",\"text\",\"userId\"?,\"threshold\"?,\"require\"?:[…],\"exclude\"?:[…]} per line", Required = true };
        var messages = new Option<FileInfo>("--messages") { Description = "messages.jsonl: {\"id\",\"text\"} per line", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "matches.jsonl to write", Required = true };
        var minScore = new Option<float?>("--min-score") { Description = "minimum score for every interest, overriding thresholds (-1 keeps every pair)" };
        var topK = new Option<int>("--top-k") { Description = "at most K matches per message, best first; 0 = unlimited", DefaultValueFactory = _ => 0 };
        var batchSize = new Option<int>("--batch-size") { Description = "messages embedded and scored together", DefaultValueFactory = _ => 1024 };
        var command = new Command("score", "Score messages against interests offline and write the matches as JSON Lines.")
        {
            interests, messages, output, minScore, topK, batchSize,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(minScore) is < -1 or > 1 || parse.GetValue(topK) < 0 || parse.GetValue(batchSize) < 1)
            {
                Console.Error.WriteLine("score: --min-score must be in [-1, 1], --top-k ≥ 0 and --batch-size ≥ 1");
                return 2;
            }
            // Before the host: loading the models takes seconds, and a mistyped path should not wait for them.
            if (!CommandFiles.Check("score", [parse.GetValue(interests)!, parse.GetValue(messages)!], parse.GetValue(output), Console.Error))
            {
                return 2;
            }
            if (await ModelPreparation.EnsureUnlessStoppedAsync("score", StreamAttentionHost.CreateBuilder(parse.UnmatchedTokens).Configuration, cancellationToken) is { } stopped)
            {
                return stopped;
            }
            // Built while a signal ends the process at once (nothing is written meanwhile): loading a model into ONNX
            // Runtime cannot be cancelled, and takes seconds.
            using var host = StreamAttentionHost.BuildOffline(parse.UnmatchedTokens);
            using var interruption = new CommandInterruption(cancellationToken);
            try
            {
                return await RunAsync(host.Services.GetRequiredService<MessageScorer>(), parse.GetValue(interests)!, parse.GetValue(messages)!, parse.GetValue(output)!,
                    parse.GetValue(minScore), parse.GetValue(topK), parse.GetValue(batchSize), Console.Error, InterestLimits.Of(host.Services.GetRequiredService<IConfiguration>()),
                    interruption.Token);
            }
            catch (OperationCanceledException) when (interruption.ExitCode is { } exitCode)
            {
                return exitCode;
            }
        });
        return command;
    }

    /// <summary>Scores the files, which the caller has checked (<see cref="CommandFiles"/>).</summary>
    /// <param name="limits">The service's interest limits (section "Interests"); null: their defaults.</param>
    /// <param name="cancellationToken">
    /// A stop: observed while the interests are embedded (between chunks of them) and between batches (one being scored
    /// is finished first), also while a pipe keeps the next one waiting. The output keeps the whole lines of the batches
    /// scored before it, and is left as it was (not created, an existing file not emptied) when none was; then
    /// <see cref="OperationCanceledException"/>. Nothing about the messages is logged after the line that says so.
    /// </param>
    public static async Task<int> RunAsync(MessageScorer scorer, FileInfo interestsFile, FileInfo messagesFile, FileInfo outputFile, float? minScore, int topK, int batchSize,
        TextWriter log, InterestLimitsOptions? limits = null, CancellationToken cancellationToken = default)
    {
        // The messages' bad lines are reported from the thread that reads them (below).
        log = TextWriter.Synchronized(log);
        var clock = Stopwatch.StartNew();
        var interestReader = ScoringFiles.Interests(interestsFile.FullName, log, limits);
        var interests = ScoringFiles.ReadUniqueInterests(interestReader, log, out var duplicates);
        InterestIndex index;
        try
        {
            index = scorer.BuildIndex(interests, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.WriteLine($"score: interrupted while it embedded the interests; {outputFile.Name} not written");
            throw;
        }
        var withoutKnownWords = Enumerable.Range(0, index.Count).Count(i => !index.HasKnownWords(i));
        log.WriteLine($"score: {index.Count} interests ({interestReader.BadLines} bad lines, {duplicates} duplicates, {withoutKnownWords} without any known word) embedded by {scorer.Embedder.Name} in {clock.Elapsed.TotalSeconds:F1} s");

        // The messages are read on a thread of their own, which reports bad lines too: until the scoring ends, so that
        // nothing about messages follows the line that says how it ended (that thread may still be reading a pipe).
        using var messageLog = new LogUntilClosed(log);
        var messageReader = ScoringFiles.Messages(messagesFile.FullName, messageLog);
        var scored = 0;
        long written = 0;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Opened with the first batch scored: a stop before it leaves the output as it was, whatever it is (an earlier
        // run's file, /dev/stdout, /dev/null or a named pipe, none of which a stop may delete or empty).
        MatchWriter? writer = null;
        try
        {
            var lastProgress = clock.Elapsed;
            var scoringStart = clock.Elapsed;
            await foreach (var batch in ReadAhead(messageReader.Read().Chunk(batchSize), reading.Token).ReadAllAsync(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                writer ??= Create(outputFile);
                foreach (var match in scorer.Score(batch, index, minScore, topK))
                {
                    writer.Write(match);
                }
                // A batch's matches reach the file once it is scored (the writer keeps up to 64 KB of lines otherwise):
                // messages from a pipe are scored as they come, and a reader following the output sees their matches.
                writer.Flush();
                scored += batch.Length;
                written = writer.Written;
                if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    log.WriteLine($"score: {scored:N0} messages, {written:N0} matches, {scored / (clock.Elapsed - scoringStart).TotalSeconds:N0} messages/s");
                }
            }
            // No message: an empty output, the run's whole result.
            writer ??= Create(outputFile);
            var seconds = (clock.Elapsed - scoringStart).TotalSeconds;
            log.WriteLine($"score: done: {scored:N0} messages ({messageReader.BadLines} bad lines) × {index.Count} interests → {written:N0} matches in {outputFile.Name}; " +
                $"{seconds:F1} s scoring, {scored / Math.Max(seconds, 1e-9):N0} messages/s, {(double)scored * index.Count / Math.Max(seconds, 1e-9):N0} pairs/s");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            messageLog.Close();
            // Stopped between batches: the file ends with a whole line.
            if (scored == 0)
            {
                log.WriteLine($"score: interrupted before a message was scored; {outputFile.Name} not written");
            }
            else
            {
                log.WriteLine($"score: interrupted: {outputFile.Name} holds the {written:N0} matches of the first {scored:N0} messages");
            }
            throw;
        }
        finally
        {
            // The reading thread ends with the scoring, however it ended (also when closing the output fails).
            messageLog.Close();
            await reading.CancelAsync();
            writer?.Dispose();
        }
        return 0;
    }

    /// <summary>The output, readable while it is written (another program following the matches).</summary>
    private static MatchWriter Create(FileInfo outputFile) => new(new FileStream(outputFile.FullName, FileMode.Create, FileAccess.Write, FileShare.Read));

    /// <summary>
    /// The batches, read on a thread of their own: a stop is not held up by a read that waits for input (a pipe), which
    /// nothing can cancel; that thread ends with the process.
    /// </summary>
    private static ChannelReader<MessageText[]> ReadAhead(IEnumerable<MessageText[]> batches, CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<MessageText[]>(1);
        _ = Task.Run(async () =>
        {
            try
            {
                foreach (var batch in batches)
                {
                    await channel.Writer.WriteAsync(batch, cancellationToken);
                }
                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None);
        return channel.Reader;
    }
}
