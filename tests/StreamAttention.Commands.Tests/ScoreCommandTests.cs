using System.Text.Json;
using System.Text.RegularExpressions;
using StreamAttention.Silo.Commands;
using StreamAttention.Silo.IO;

namespace StreamAttention.Commands.Tests;

/// <summary><c>score</c> on the shipped samples: the output format, ordering, top-k and thresholds.</summary>
[Collection(CommandHostCollection.Name)]
public sealed class ScoreCommandTests(CommandHostFixture host) : IDisposable
{
    private static readonly FileInfo Interests = TestFiles.Repository("Silos/StreamAttention.Silo/samples/interests.jsonl");
    private static readonly FileInfo Messages = TestFiles.Repository("Silos/StreamAttention.Silo/samples/messages.jsonl");
    private static readonly string[] MatchFields = ["messageId", "interestId", "userId", "score", "prefilterScore", "highlights", "rawScore"];
    private static readonly string[] HighlightFields = ["token", "weight"];

    private readonly TestFiles _files = new();

    [Fact]
    public async Task Writes_matches_with_the_documented_fields_ordered_by_message_then_score()
    {
        var interests = ReadAll(ScoringFiles.Interests(Interests.FullName, TextWriter.Null)).ToDictionary(i => i.Id);
        var messages = ReadAll(ScoringFiles.Messages(Messages.FullName, TextWriter.Null));
        var position = messages.Select((m, i) => (m.Id, i)).ToDictionary(x => x.Id, x => x.i);

        // A batch size that does not divide the 60 messages, so ordering must hold across batches.
        var run = await ScoreRun.StartAsync(host.Scorer, _files, Interests, Messages, batchSize: 7);

        Assert.Equal(0, run.ExitCode);
        Assert.NotEmpty(run.Matches);
        foreach (var match in run.Matches)
        {
            Assert.Equal(MatchFields, match.EnumerateObject().Select(p => p.Name));
            var interest = interests[match.GetProperty("interestId").GetString()!];
            Assert.Equal(interest.UserId, match.GetProperty("userId").GetString());
            Assert.InRange(match.GetProperty("score").GetSingle(), -1f, 1f);
            Assert.InRange(match.GetProperty("prefilterScore").GetSingle(), -1f, 1f);
            var text = messages[position[match.GetProperty("messageId").GetString()!]].Text;
            var highlights = match.GetProperty("highlights").EnumerateArray().ToList();
            Assert.NotEmpty(highlights);
            foreach (var highlight in highlights)
            {
                Assert.Equal(HighlightFields, highlight.EnumerateObject().Select(p => p.Name));
                Assert.True(IsWordOf(highlight.GetProperty("token").GetString()!, text), $"'{highlight}' is not a word of '{text}'");
                Assert.InRange(highlight.GetProperty("weight").GetSingle(), 0f, 1f);
            }
        }
        foreach (var (previous, next) in run.Matches.Zip(run.Matches.Skip(1)))
        {
            var order = position[previous.GetProperty("messageId").GetString()!].CompareTo(position[next.GetProperty("messageId").GetString()!]);
            Assert.True(order < 0 || (order == 0 && previous.GetProperty("score").GetSingle() >= next.GetProperty("score").GetSingle()),
                $"{previous} is written before {next}");
        }
    }

    [Fact]
    public async Task A_message_longer_than_its_windows_is_written_truncated_and_once_per_interest()
    {
        var interests = _files.Write("interests.jsonl", TestFiles.Json(new { id = "db", text = Texts.DatabaseInterest, userId = "sre" }));
        var messages = _files.Write("messages.jsonl",
            TestFiles.Json(new { id = "long", text = Texts.DatabaseMessageBeyondWindows }),
            TestFiles.Json(new { id = "short", text = Texts.DatabaseMessage }));

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages);

        Assert.Equal(0, run.ExitCode);
        var longMatch = Assert.Single(run.For("long"));
        Assert.Equal([.. MatchFields[..^1], "truncated", "rawScore"], longMatch.EnumerateObject().Select(p => p.Name));
        Assert.True(longMatch.GetProperty("truncated").GetBoolean());
        Assert.Equal(MatchFields, Assert.Single(run.For("short")).EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_stop_before_a_message_was_scored_leaves_the_output_as_it_was()
    {
        var output = _files.Write("matches.jsonl", "an earlier run's match");
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        var log = new StringWriter();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(()
            => ScoreCommand.RunAsync(host.Scorer, Interests, Messages, output, minScore: null, topK: 0, batchSize: 1024, log, cancellationToken: stopped.Token));

        // It was emptied, then deleted: what the path held (an earlier run's matches, /dev/stdout, /dev/null, a named
        // pipe) was lost to a stop that wrote nothing.
        Assert.Equal(["an earlier run's match"], File.ReadAllLines(output.FullName));
        // A stop before the run is taken as the interests are embedded.
        Assert.Equal("score: interrupted while it embedded the interests; matches.jsonl not written", log.ToString().TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public async Task Min_score_of_minus_one_writes_every_pair()
    {
        var run = await ScoreRun.StartAsync(host.Scorer, _files, Interests, Messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(10 * 60, run.Matches.Count);
        Assert.Equal(10 * 60, run.Matches.Select(m => (m.GetProperty("messageId").GetString(), m.GetProperty("interestId").GetString())).Distinct().Count());
        Assert.Contains("score: done: 60 messages (0 bad lines) × 10 interests → 600 matches", run.Log);
    }

    [Fact]
    public async Task Top_k_keeps_the_best_matches_of_each_message()
    {
        var unlimited = (await ScoreRun.StartAsync(host.Scorer, _files, Interests, Messages, minScore: -1)).Matches.Select(Pair).ToList();
        var topTwo = (await ScoreRun.StartAsync(host.Scorer, _files, Interests, Messages, minScore: -1, topK: 2)).Matches.Select(Pair).ToList();

        var expected = unlimited.GroupBy(p => p.Message).SelectMany(g => g.Take(2));
        Assert.Equal(expected, topTwo);
        Assert.Equal(60 * 2, topTwo.Count);
    }

    [Fact]
    public async Task Honours_each_interests_threshold_unless_min_score_overrides_them()
    {
        // The same text twice: only the thresholds tell the two interests apart.
        var interests = _files.Write("interests.jsonl",
            TestFiles.Json(new { id = "strict", text = "wind power output in germany", threshold = 1 }),
            TestFiles.Json(new { id = "loose", text = "wind power output in germany", threshold = 0.01 }),
            TestFiles.Json(new { id = "default", text = "wind power output in germany" }));

        var byThreshold = await ScoreRun.StartAsync(host.Scorer, _files, interests, Messages);
        var overridden = await ScoreRun.StartAsync(host.Scorer, _files, interests, Messages, minScore: -1);

        var defaultThreshold = host.Scorer.Options.DefaultThreshold;
        Assert.DoesNotContain(byThreshold.Matches, m => m.GetProperty("interestId").GetString() == "strict");
        var matchesAtDefault = byThreshold.Matches.Where(m => m.GetProperty("interestId").GetString() == "default").ToList();
        Assert.InRange(matchesAtDefault.Count, 1, 59);
        // The lowest thresholds (above 0: at 0 or below the interest would be refused) admit every message the default admits, and more.
        var looseMessages = byThreshold.Matches.Where(m => m.GetProperty("interestId").GetString() == "loose").Select(m => m.GetProperty("messageId").GetString()).ToHashSet();
        Assert.Superset(matchesAtDefault.Select(m => m.GetProperty("messageId").GetString()).ToHashSet(), looseMessages);
        Assert.True(looseMessages.Count > matchesAtDefault.Count, $"loose: {looseMessages.Count}, default: {matchesAtDefault.Count}");
        Assert.All(matchesAtDefault, m => Assert.True(m.GetProperty("score").GetSingle() >= defaultThreshold));
        Assert.Equal(3 * 60, overridden.Matches.Count);
        // Interests without a user still carry the field, as null.
        Assert.All(overridden.Matches, m => Assert.Equal(JsonValueKind.Null, m.GetProperty("userId").ValueKind));
    }

    [Fact]
    public async Task Matches_of_the_samples_reach_their_interests_thresholds()
    {
        var thresholds = ReadAll(ScoringFiles.Interests(Interests.FullName, TextWriter.Null))
            .ToDictionary(i => i.Id, i => i.Threshold ?? host.Scorer.Options.DefaultThreshold);
        Assert.Contains(thresholds.Values, t => t != host.Scorer.Options.DefaultThreshold);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, Interests, Messages);

        Assert.All(run.Matches, m => Assert.True(m.GetProperty("score").GetSingle() >= thresholds[m.GetProperty("interestId").GetString()!], m.ToString()));
    }

    public void Dispose() => _files.Dispose();

    private static (string? Message, string? Interest) Pair(JsonElement match)
        => (match.GetProperty("messageId").GetString(), match.GetProperty("interestId").GetString());

    private static List<T> ReadAll<T>(JsonLinesReader<T> reader) => reader.Read().ToList();

    /// <summary>Whether the lowercase token is a whole word of the text (a highlight is a message token, never a fragment).</summary>
    private static bool IsWordOf(string token, string text)
        => Regex.IsMatch(text.ToLowerInvariant(), $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(token)}(?![\p{{L}}\p{{N}}])");
}
