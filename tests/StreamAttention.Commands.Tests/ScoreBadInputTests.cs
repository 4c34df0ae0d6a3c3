using System.Text;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// <c>score</c> on bad and unusual input: a bad line is reported with its file and line number, skipped and counted;
/// the good lines are still scored and the run succeeds. Every run uses --min-score -1, so each scored pair is written.
/// </summary>
[Collection(CommandHostCollection.Name)]
public sealed class ScoreBadInputTests(CommandHostFixture host) : IDisposable
{
    private static readonly string WindInterest = TestFiles.Json(new { id = "wind", text = "wind power output in germany", userId = "marc" });
    private static readonly string CoalInterest = TestFiles.Json(new { id = "coal", text = "coal prices", userId = "marc" });
    private static readonly string WindMessage = TestFiles.Json(new { id = "m1", text = "Strong winds lifted German wind output to a record" });
    private static readonly string CoalMessage = TestFiles.Json(new { id = "m2", text = "Coal prices fell for a third week" });

    private readonly TestFiles _files = new();

    [Theory]
    [InlineData("""{"id": "x", "text": """, "")]
    [InlineData("""["x", "coal prices"]""", "line must be a JSON object")]
    [InlineData("""{"text": "coal prices"}""", "field 'id' must be a string")]
    [InlineData("""{"id": " ", "text": "coal prices"}""", "field 'id' must not be empty")]
    [InlineData("""{"id": "x", "text": 5}""", "field 'text' must be a string")]
    [InlineData("""{"id": "x", "text": ""}""", "field 'text' must not be empty")]
    [InlineData("""{"id": "x", "text": "coal prices", "userId": 7}""", "field 'userId' must be a string or null")]
    [InlineData("""{"id": "x", "text": "coal prices", "threshold": "high"}""", "field 'threshold' must be a number")]
    [InlineData("""{"id": "x", "text": "coal prices", "require": "coal"}""", "field 'require' must be an array of terms, each with a letter or digit")]
    [InlineData("""{"id": "x", "text": "coal prices", "exclude": ["ok", "--"]}""", "field 'exclude' must be an array of terms, each with a letter or digit")]
    // What the service refuses, a backtest skips too.
    [InlineData("""{"id": "x", "text": "coal prices", "require": ["prod"], "exclude": ["PROD"]}""", "field 'exclude': 'prod' is both required and excluded, so nothing could match")]
    // A term the reason quotes is written with its control characters escaped (a term's line breaks are spaces): its
    // backspaces cannot write over what the line said. A terminal sequence is no part of a term at all (README, "Keyword
    // rules"), so it cannot move the cursor either.
    [InlineData("""{"id": "x", "text": "coal prices", "require": ["prod\b\b\b\bscore: done"], "exclude": ["prod\b\b\b\bscore: done"]}""",
        """field 'exclude': 'prod\u0008\u0008\u0008\u0008score: done' is both required and excluded, so nothing could match""")]
    [InlineData("""{"id": "x", "text": "coal prices", "require": ["prod\u001b[2;1fscore: done"], "exclude": ["prod\u001b[2;1fscore: done"]}""",
        """field 'exclude': 'prodscore: done' is both required and excluded, so nothing could match""")]
    [InlineData("""{"id": "x", "text": "coal prices", "require": ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]}""",
        "field 'require': require has 21 terms; at most 20 are allowed")]
    [InlineData("""{"id": "x", "text": "coal prices", "threshold": 1.5}""", "field 'threshold': threshold must be in (0, 1]")]
    // A threshold of 0 or below would match every message, empty ones included.
    [InlineData("""{"id": "x", "text": "coal prices", "threshold": 0}""", "field 'threshold': threshold must be in (0, 1]")]
    [InlineData("""{"id": "x", "text": "coal prices", "threshold": -0.5}""", "field 'threshold': threshold must be in (0, 1]")]
    [InlineData("""{"id": "x y", "text": "coal prices"}""", "field 'id': interest id must match")]
    [InlineData("""{"id": "..", "text": "coal prices"}""", "field 'id': interest id must match")]
    [InlineData("""{"id": "x", "text": "coal prices", "userId": "a/b/c"}""", "field 'userId': user id must match")]
    public async Task Skips_and_reports_a_bad_interest_line(string badLine, string reason)
    {
        var interests = _files.Write("interests.jsonl", WindInterest, "", badLine, "  ", CoalInterest);
        var messages = _files.Write("messages.jsonl", WindMessage, CoalMessage);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"interests.jsonl:3: skipped: {reason}", run.Log);
        Assert.Contains("score: 2 interests (1 bad lines, 0 duplicates, 0 without any known word)", run.Log);
        Assert.Contains("score: done: 2 messages (0 bad lines) × 2 interests → 4 matches", run.Log);
        Assert.Equal(4, run.Matches.Count);
    }

    [Theory]
    [InlineData("""{"id": "x", "text": """, "")]
    [InlineData("""[{"id": "x", "text": "coal"}]""", "line must be a JSON object")]
    [InlineData("""{"text": "coal prices"}""", "field 'id' must be a string")]
    [InlineData("""{"id": "", "text": "coal prices"}""", "field 'id' must not be empty")]
    [InlineData("""{"id": "x"}""", "field 'text' must be a string")]
    [InlineData("""{"id": "x", "text": ["coal"]}""", "field 'text' must be a string")]
    public async Task Skips_and_reports_a_bad_message_line(string badLine, string reason)
    {
        var interests = _files.Write("interests.jsonl", WindInterest, CoalInterest);
        var messages = _files.Write("messages.jsonl", WindMessage, "", badLine, CoalMessage);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"messages.jsonl:3: skipped: {reason}", run.Log);
        Assert.Contains("score: done: 2 messages (1 bad lines) × 2 interests → 4 matches", run.Log);
        Assert.Equal(["m1", "m1", "m2", "m2"], run.Matches.Select(m => m.GetProperty("messageId").GetString()));
    }

    [Fact]
    public async Task Skips_and_reports_a_line_that_is_not_valid_utf8()
    {
        var interests = _files.Write("interests.jsonl", WindInterest, CoalInterest);
        var broken = Encoding.UTF8.GetBytes("""{"id": "m3", "text": "caf?"}""").Select(b => b == '?' ? (byte)0xC3 : b);
        var messages = _files.WriteBytes("messages.jsonl",
            [.. Encoding.UTF8.GetBytes(WindMessage + "\n"), .. broken, (byte)'\n', .. Encoding.UTF8.GetBytes(CoalMessage + "\n")]);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("messages.jsonl:2: skipped: not valid UTF-8", run.Log);
        Assert.Contains("score: done: 2 messages (1 bad lines) × 2 interests → 4 matches", run.Log);
    }

    /// <summary>
    /// JSON allows an escaped surrogate without its pair, which no string holds: a bad line named by its field, never an
    /// unhandled exception that ends the run.
    /// </summary>
    [Theory]
    [InlineData("interests.jsonl", """{"id": "x", "text": "coal \ud800 prices"}""", "$.text")]
    [InlineData("interests.jsonl", """{"id": "x", "text": "coal prices", "userId": "\udc00"}""", "$.userId")]
    [InlineData("interests.jsonl", """{"id": "x", "text": "coal prices", "require": ["coal", "\ud800x"]}""", "$.require[1]")]
    [InlineData("interests.jsonl", """{"id": "x", "text": "coal prices", "exclude": ["\udbff\u0041"]}""", "$.exclude[0]")]
    [InlineData("messages.jsonl", """{"id": "\ud800", "text": "coal prices"}""", "$.id")]
    [InlineData("messages.jsonl", """{"id": "m3", "text": "coal prices \ud800"}""", "$.text")]
    [InlineData("messages.jsonl", """{"id": "m3", "text": "coal prices", "note": {"\udc00": 1}}""", "$.note (a property name)")]
    public async Task Skips_and_reports_a_line_with_a_lone_surrogate_escape(string file, string badLine, string path)
    {
        var interests = _files.Write("interests.jsonl", WindInterest, file == "interests.jsonl" ? badLine : "", CoalInterest);
        var messages = _files.Write("messages.jsonl", WindMessage, file == "messages.jsonl" ? badLine : "", CoalMessage);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"{file}:2: skipped: {path} holds a lone surrogate escape (\\uD800 to \\uDFFF without its pair)", run.Log);
        Assert.Contains("score: done: 2 messages", run.Log);
        Assert.Equal(4, run.Matches.Count);
    }

    [Fact]
    public async Task Reads_a_file_saved_with_a_byte_order_mark_and_crlf_line_ends()
    {
        var interests = _files.WriteBytes("interests.jsonl", [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(WindInterest + "\r\n" + CoalInterest + "\r\n")]);
        var messages = _files.Write("messages.jsonl", WindMessage);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Contains("score: 2 interests (0 bad lines, 0 duplicates, 0 without any known word)", run.Log);
        Assert.Equal(2, run.Matches.Count);
    }

    [Fact]
    public async Task Keeps_the_first_of_duplicate_interest_ids_of_one_user_and_the_same_id_of_another_user()
    {
        var interests = _files.Write("interests.jsonl",
            WindInterest,
            TestFiles.Json(new { id = "wind", text = "offshore wind farms", userId = "marc" }),
            TestFiles.Json(new { id = "wind", text = "wind power output in germany", userId = "anna" }));
        var messages = _files.Write("messages.jsonl", WindMessage);

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("interests.jsonl:2: skipped: duplicate id 'wind' for user 'marc'", run.Log);
        Assert.Contains("score: 2 interests (0 bad lines, 1 duplicates, 0 without any known word)", run.Log);
        Assert.Equal(["anna", "marc"], run.Matches.Select(m => m.GetProperty("userId").GetString()).Order());
        // The first definition is kept: it scores exactly like the other user's identical one.
        Assert.Equal(run.Matches[0].GetProperty("score").GetSingle(), run.Matches[1].GetProperty("score").GetSingle());
    }

    [Fact]
    public async Task Scores_valid_but_unusual_texts()
    {
        var interests = _files.Write("interests.jsonl", WindInterest, CoalInterest,
            TestFiles.Json(new { id = "unknown", text = "qwzxv blorptangle" }));
        var longText = string.Join(' ', Enumerable.Repeat("coal prices rose while wind output in Germany fell", 60));
        var messages = _files.Write("messages.jsonl",
            TestFiles.Json(new { id = "empty", text = "" }),
            TestFiles.Json(new { id = "unknown", text = "zzqx vrrbl qwzxv blorptangle" }),
            TestFiles.Json(new { id = "long", text = longText }),
            TestFiles.Json(new { id = "non-ascii", text = "Kohlepreise in Deutschland: coal prices — 石炭価格 — fell 5 % 📉" }));

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("score: 3 interests (0 bad lines, 0 duplicates, 1 without any known word)", run.Log);
        Assert.Contains("score: done: 4 messages (0 bad lines) × 3 interests → 12 matches", run.Log);
        Assert.Equal(12, run.Matches.Count);
        Assert.All(run.Matches, m => Assert.InRange(m.GetProperty("score").GetSingle(), -1f, 1f));
        Assert.All(run.For("empty").Concat(run.For("unknown")), m => Assert.Empty(m.GetProperty("highlights").EnumerateArray()));
        Assert.Equal("coal", run.For("non-ascii").First().GetProperty("interestId").GetString());
        Assert.Equal("coal", run.For("long").First().GetProperty("interestId").GetString());
    }

    public void Dispose() => _files.Dispose();
}
