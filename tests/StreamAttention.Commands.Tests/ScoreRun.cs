using System.Text.Json;
using StreamAttention.Scoring;
using StreamAttention.Silo.Commands;

namespace StreamAttention.Commands.Tests;

/// <summary>One <c>score</c> run in process: its exit code, what it logged (stderr) and the matches it wrote.</summary>
public sealed record ScoreRun(int ExitCode, string Log, IReadOnlyList<JsonElement> Matches)
{
    public static async Task<ScoreRun> StartAsync(MessageScorer scorer, TestFiles files, FileInfo interests, FileInfo messages,
        float? minScore = null, int topK = 0, int batchSize = 1024)
    {
        var output = files.Path("matches.jsonl");
        output.Delete();
        var log = new StringWriter();
        var exitCode = await ScoreCommand.RunAsync(scorer, interests, messages, output, minScore, topK, batchSize, log);
        output.Refresh();
        return new ScoreRun(exitCode, log.ToString(), output.Exists ? TestFiles.ReadJsonLines(output) : []);
    }

    public IEnumerable<JsonElement> For(string messageId) => Matches.Where(m => m.GetProperty("messageId").GetString() == messageId);
}
