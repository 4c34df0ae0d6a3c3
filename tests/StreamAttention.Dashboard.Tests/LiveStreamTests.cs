using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class LiveStreamTests(SiloHostFixture host)
{
    /// <summary>Bounds every wait on a stream: a missing event fails the test instead of hanging it.</summary>
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_users_stream_carries_only_that_users_matches_with_text_score_and_highlights()
    {
        await PutAsync("live-db", "db", Texts.DatabaseInterest);
        await PutAsync("live-racing", "f1", Texts.RacingInterest, Texts.RacingThreshold);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/live-db/matches/stream", timeout.Token);

        // The racing user's match is published first; the database user's stream must skip it.
        await ScoreAsync(Texts.RacingMessage);
        await ScoreAsync(Texts.DatabaseMessage);

        var (type, data) = await stream.NextAsync(timeout.Token);
        Assert.Equal("match", type);
        Assert.Equal("live-db", (string?)data["userId"]);
        var match = data["match"]!;
        Assert.Equal("db", (string?)match["interestId"]);
        Assert.Equal(Texts.DatabaseMessage, (string?)match["text"]);
        Assert.InRange((double)match["score"]!, 0, 1);
        Assert.Contains("postgresql", match["highlights"]!.AsArray().Select(h => (string?)h!["token"]));
    }

    [Fact]
    public async Task A_text_longer_than_its_scoring_windows_is_marked_truncated_in_the_response_and_on_the_stream()
    {
        await PutAsync("live-long", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/live-long/matches/stream", timeout.Token);

        using var response = await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessageBeyondWindows }, userId = "live-long" });
        response.EnsureSuccessStatusCode();

        var scored = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray())!;
        Assert.True((bool)scored["truncated"]!);
        var (type, data) = await stream.NextAsync(timeout.Token);
        Assert.Equal("match", type);
        Assert.True((bool)data["match"]!["truncated"]!);
    }

    [Fact]
    public async Task The_all_users_stream_carries_every_users_matches()
    {
        await PutAsync("live-all", "f1", Texts.RacingInterest, Texts.RacingThreshold);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/matches/stream", timeout.Token);
        await ScoreAsync(Texts.RacingMessage, "live-all");

        // The stream carries every user's matches: other tests' scoring on the shared silo may still be on its way.
        JsonObject data;
        do
        {
            (_, data) = await stream.NextAsync(timeout.Token);
        }
        while ((string?)data["userId"] != "live-all");
        Assert.Equal(Texts.RacingMessage, (string?)data["match"]!["text"]);
    }

    [Fact]
    public async Task A_match_scored_again_with_its_source_id_is_sent_again_with_its_match_id_as_the_event_id()
    {
        await PutAsync("live-again", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/live-again/matches/stream", timeout.Token);

        var first = await ScoreAsync(Texts.DatabaseMessage, "live-again", "live-again/source");
        var again = await ScoreAsync(Texts.DatabaseMessage, "live-again", "live-again/source");

        Assert.Equal(first, again);
        foreach (var _ in new[] { first, again })
        {
            var (_, data) = await stream.NextAsync(timeout.Token);
            Assert.Equal(first, (string?)data["match"]!["matchId"]);
            Assert.Equal(first, stream.EventId);
        }
    }

    [Fact]
    public async Task A_stream_asked_for_some_delivery_kinds_skips_the_others()
    {
        await PutAsync("live-kinds", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/live-kinds/matches/stream?delivery=suppressed-duplicate", timeout.Token);

        // The first is delivered now (skipped here), the second the first's duplicate.
        var first = await ScoreAsync(Texts.DatabaseMessage, "live-kinds");
        await ScoreAsync(Texts.DatabaseMessage, "live-kinds");

        var (_, data) = await stream.NextAsync(timeout.Token);
        Assert.Equal(("suppressed-duplicate", first), ((string?)data["match"]!["delivery"], (string?)data["match"]!["duplicateOf"]));
        using var unknown = await host.Http.GetAsync("/users/live-kinds/matches/stream?delivery=urgent");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task A_stream_reopened_with_the_last_event_id_first_sends_what_it_missed()
    {
        await PutAsync("live-resume", "db", Texts.DatabaseInterest);
        await PutAsync("live-resume-other", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        // A second client stays connected throughout: once it has the matches, the silo has them.
        await using var witness = await ServerSentEvents.OpenAsync(host.Http, "/users/live-resume/matches/stream", timeout.Token);
        string? seen;
        await using (var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/live-resume/matches/stream", timeout.Token))
        {
            seen = await ScoreAsync(Texts.DatabaseMessage, "live-resume");
            await stream.NextAsync(timeout.Token);
            Assert.Equal(seen, stream.EventId);
        }

        // While the client is away: two of its matches, and another user's, which its stream must not send.
        await ScoreAsync(Texts.DatabaseMessage, "live-resume-other");
        string?[] missed = [await ScoreAsync(Texts.DatabaseMessage, "live-resume"), await ScoreAsync(Texts.DatabaseMessage, "live-resume")];
        foreach (var id in (string?[])[seen, .. missed])
        {
            await witness.NextAsync(timeout.Token);
            Assert.Equal(id, witness.EventId);
        }
        await using var resumed = await ServerSentEvents.OpenAsync(host.Http, "/users/live-resume/matches/stream", timeout.Token, lastEventId: seen);
        var after = await ScoreAsync(Texts.DatabaseMessage, "live-resume");

        foreach (var expected in (string?[])[.. missed, after])
        {
            var (type, data) = await resumed.NextAsync(timeout.Token);
            Assert.Equal(("match", "live-resume", expected), (type, (string?)data["userId"], resumed.EventId));
        }
    }

    [Fact]
    public async Task A_stream_reopened_with_an_id_no_longer_kept_says_so_and_sends_the_kept_matches()
    {
        await PutAsync("live-gap", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var witness = await ServerSentEvents.OpenAsync(host.Http, "/users/live-gap/matches/stream", timeout.Token);
        var kept = await ScoreAsync(Texts.DatabaseMessage, "live-gap");
        await witness.NextAsync(timeout.Token);

        await using var resumed = await ServerSentEvents.OpenAsync(host.Http, "/users/live-gap/matches/stream", timeout.Token, lastEventId: "long-gone");

        var (type, data) = await resumed.NextAsync(timeout.Token);
        Assert.Equal(("gap", "long-gone"), (type, (string?)data["lastEventId"]));
        (type, data) = await resumed.NextAsync(timeout.Token);
        Assert.Equal(("match", "live-gap", kept), (type, (string?)data["userId"], resumed.EventId));
    }

    [Fact]
    public async Task An_idle_stream_gets_keep_alive_comments()
    {
        await PutAsync("live-idle", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var response = await ServerSentEvents.OpenResponseAsync(host.Http, "/users/live-idle/matches/stream", timeout.Token);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        // Nobody scores for this user: the first line is the comment the default keep-alive (15 s) sends.
        Assert.Equal(": keep-alive", await body.ReadLineAsync(timeout.Token));
        Assert.Equal("", await body.ReadLineAsync(timeout.Token));
    }

    [Fact]
    public async Task A_stream_of_a_user_without_interests_is_404_since_the_user_is_unknown_until_its_first_interest()
    {
        using var unknown = await host.Http.GetAsync("/users/live-nobody/matches/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("User 'live-nobody' has no interests.", (string?)(await unknown.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);

        await PutAsync("live-nobody", "db", Texts.DatabaseInterest);
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var known = await ServerSentEvents.OpenResponseAsync(host.Http, "/users/live-nobody/matches/stream", timeout.Token);
        Assert.Equal("text/event-stream", known.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_invalid_user_id_is_a_validation_problem()
    {
        using var response = await host.Http.GetAsync("/users/not%20valid/matches/stream");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task PutAsync(string userId, string interestId, string text, float? threshold = null)
        => (await host.Http.PutAsJsonAsync($"/users/{userId}/interests/{interestId}", new { text, threshold })).EnsureSuccessStatusCode();

    /// <summary>Scores and checks that the text matched someone, so the stream has something to deliver.</summary>
    /// <returns>The first match's id.</returns>
    private async Task<string?> ScoreAsync(string text, string? userId = null, string? sourceId = null)
    {
        using var response = await host.Http.PostAsJsonAsync("/score", new { texts = new[] { text }, userId, sourceIds = sourceId is null ? null : new[] { sourceId } });
        response.EnsureSuccessStatusCode();
        var matches = (await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray();
        Assert.NotEmpty(matches);
        return (string?)matches[0]!["matchId"];
    }
}
