namespace StreamAttention.Commands.Tests;

/// <summary><c>score</c> honours the interests' <c>require</c> / <c>exclude</c> lists, even with <c>--min-score -1</c>.</summary>
[Collection(CommandHostCollection.Name)]
public sealed class ScoreKeywordRulesTests(CommandHostFixture host) : IDisposable
{
    private readonly TestFiles _files = new();

    [Fact]
    public async Task Writes_only_the_pairs_the_lists_allow()
    {
        var interests = _files.Write("interests.jsonl",
            TestFiles.Json(new { id = "plain", text = "database replication lag", userId = "ops" }),
            TestFiles.Json(new { id = "ruled", text = "database replication lag", userId = "ops", require = new[] { "DB-EU-1" }, exclude = new[] { "staging" } }));
        var messages = _files.Write("messages.jsonl",
            TestFiles.Json(new { id = "eu", text = "Replication lag on db-eu-1 reached 40 seconds" }),
            TestFiles.Json(new { id = "staging", text = "Replication lag on db-eu-1 in staging reached 40 seconds" }),
            TestFiles.Json(new { id = "us", text = "Replication lag on db-us-1 reached 40 seconds" }));

        var run = await ScoreRun.StartAsync(host.Scorer, _files, interests, messages, minScore: -1);

        Assert.Equal(0, run.ExitCode);
        var pairs = run.Matches.Select(m => (m.GetProperty("interestId").GetString(), m.GetProperty("messageId").GetString())).Order();
        Assert.Equal([("plain", "eu"), ("plain", "staging"), ("plain", "us"), ("ruled", "eu")], pairs);
    }

    public void Dispose() => _files.Dispose();
}
