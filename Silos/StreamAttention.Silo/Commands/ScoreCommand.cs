using System.CommandLine;
using System.Diagnostics;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring;
using StreamAttention.Server.Hosting;
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
        command.SetAction(parse =>
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
            using var host = StreamAttentionHost.BuildOffline(parse.UnmatchedTokens);
            return Run(host.Services.GetRequiredService<MessageScorer>(), parse.GetValue(interests)!, parse.GetValue(messages)!, parse.GetValue(output)!,
                parse.GetValue(minScore), parse.GetValue(topK), parse.GetValue(batchSize), Console.Error, InterestLimits.Of(host.Services.GetRequiredService<IConfiguration>()));
        });
        return command;
    }

    /// <summary>Scores the files, which the caller has checked (<see cref="CommandFiles"/>).</summary>
    /// <param name="limits">The service's interest limits (section "Interests"); null: their defaults.</param>
    public static int Run(MessageScorer scorer, FileInfo interestsFile, FileInfo messagesFile, FileInfo outputFile, float? minScore, int topK, int batchSize, TextWriter log,
        InterestLimitsOptions? limits = null)
    {
        var clock = Stopwatch.StartNew();
        var interestReader = ScoringFiles.Interests(interestsFile.FullName, log, limits);
        var interests = ScoringFiles.ReadUniqueInterests(interestReader, log, out var duplicates);
        var index = scorer.BuildIndex(interests);
        var withoutKnownWords = Enumerable.Range(0, index.Count).Count(i => !index.HasKnownWords(i));
        log.WriteLine($"score: {index.Count} interests ({interestReader.BadLines} bad lines, {duplicates} duplicates, {withoutKnownWords} without any known word) embedded by {scorer.Embedder.Name} in {clock.Elapsed.TotalSeconds:F1} s");

        var messageReader = ScoringFiles.Messages(messagesFile.FullName, log);
        // Readable while it is written (another program following the matches).
        using var writer = new MatchWriter(new FileStream(outputFile.FullName, FileMode.Create, FileAccess.Write, FileShare.Read));
        var scored = 0;
        var lastProgress = clock.Elapsed;
        var scoringStart = clock.Elapsed;
        foreach (var batch in messageReader.Read().Chunk(batchSize))
        {
            foreach (var match in scorer.Score(batch, index, minScore, topK))
            {
                writer.Write(match);
            }
            // A batch's matches reach the file once it is scored (the writer keeps up to 64 KB of lines otherwise):
            // messages from a pipe are scored as they come, and a reader following the output sees their matches.
            writer.Flush();
            scored += batch.Length;
            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
            {
                lastProgress = clock.Elapsed;
                log.WriteLine($"score: {scored:N0} messages, {writer.Written:N0} matches, {scored / (clock.Elapsed - scoringStart).TotalSeconds:N0} messages/s");
            }
        }
        var seconds = (clock.Elapsed - scoringStart).TotalSeconds;
        log.WriteLine($"score: done: {scored:N0} messages ({messageReader.BadLines} bad lines) × {index.Count} interests → {writer.Written:N0} matches in {outputFile.Name}; " +
            $"{seconds:F1} s scoring, {scored / Math.Max(seconds, 1e-9):N0} messages/s, {(double)scored * index.Count / Math.Max(seconds, 1e-9):N0} pairs/s");
        return 0;
    }
}
