using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class DashboardPageTests(SiloHostFixture host)
{
    [Fact]
    public async Task Stats_count_texts_scored_on_request_apart_from_the_messages_in_and_the_matches_and_report_the_model()
    {
        (await host.Http.PutAsJsonAsync("/users/stats-user/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        // The stats are the silo's running totals, which the collection's other tests add to: this test's are the increase.
        var before = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage, Texts.Unrelated }, userId = "stats-user" })).EnsureSuccessStatusCode();

        var stats = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        // Messages in come from the stream (no ingest runs here): texts sent to POST /score are counted apart.
        Assert.Equal((long)before["messagesIn"]!, (long)stats["messagesIn"]!);
        Assert.Equal((long)before["textsScoredOnRequest"]! + 2, (long)stats["textsScoredOnRequest"]!);
        Assert.Equal((long)before["matchesOut"]! + 1, (long)stats["matchesOut"]!);
        Assert.True(ScoringLatencyCount(stats) > ScoringLatencyCount(before));
        Assert.True(Runs(stats) > Runs(before));
        Assert.Equal("CPU", (string?)stats["model"]!["executionProvider"]);
        Assert.Equal(100, (int)stats["model"]!["dimension"]!);
        Assert.False((bool)stats["ingest"]!["publishing"]!);
        Assert.Equal(0, (long)stats["ingest"]!["messagesLost"]!);
        Assert.True((bool)stats["liveFeedSubscribed"]!);

        static int Runs(JsonObject stats) => stats["batchSizes"]!.AsArray().Sum(b => (int)b!["runs"]!);
        // No summary before the silo's first scoring.
        static int ScoringLatencyCount(JsonObject stats) => (int?)stats["scoringLatency"]?["count"] ?? 0;
    }

    [Fact]
    public async Task Stats_count_the_words_the_model_does_not_know_and_the_texts_it_knows_no_word_of()
    {
        (await host.Http.PutAsJsonAsync("/users/stats-unknown/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        var before = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        // GloVe knows none of the first text's three words, and both of the second's.
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { "Xqzvbwt blorptrixq fnarglepl\u00F6x", "database upgrade" }, userId = "stats-unknown" })).EnsureSuccessStatusCode();

        var stats = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        Assert.Equal((long)before["unknownWords"]! + 3, (long)stats["unknownWords"]!);
        Assert.Equal((long)before["textsWithoutKnownWords"]! + 1, (long)stats["textsWithoutKnownWords"]!);
    }

    [Fact]
    public async Task Stats_count_the_streams_messages_in_from_an_ingest_in_or_outside_the_process_apart_from_texts_on_request()
    {
        (await host.Http.PutAsJsonAsync("/users/stats-stream/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        var before = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        await host.ScoreFromTheStreamAsync("stats-stream", Texts.DatabaseMessage, Texts.Unrelated, Texts.RacingMessage);

        var stats = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!;
        Assert.Equal((long)before["messagesIn"]! + 3, (long)stats["messagesIn"]!);
        Assert.Equal((long)before["textsScoredOnRequest"]!, (long)stats["textsScoredOnRequest"]!);
    }

    [Fact]
    public async Task Stats_count_the_delivery_decisions_and_the_interruptions_avoided()
    {
        (await host.Http.PutAsJsonAsync("/users/stats-attention/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        var before = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!["attention"]!;
        // The same message twice: the second is a duplicate of the first, an interruption avoided.
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = "stats-attention" })).EnsureSuccessStatusCode();
        (await host.Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = "stats-attention" })).EnsureSuccessStatusCode();

        var after = (await host.Http.GetFromJsonAsync<JsonObject>("/dashboard/stats"))!["attention"]!;
        Assert.Equal(Count(before, "immediate") + 1, Count(after, "immediate"));
        Assert.Equal(Count(before, "suppressed-duplicate") + 1, Count(after, "suppressed-duplicate"));
        Assert.Equal((long)before["interruptionsAvoided"]! + 1, (long)after["interruptionsAvoided"]!);
        Assert.Contains("interruptions avoided", (await host.Http.GetStringAsync("/dashboard/")).ToLowerInvariant());

        static long Count(JsonNode attention, string kind) => (long?)attention["decisions"]![kind] ?? 0;
    }

    [Fact]
    public async Task The_page_is_served_from_the_root_and_the_orleans_dashboard_is_not_mounted_unless_asked_for()
    {
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var root = await noRedirects.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/dashboard/", root.Headers.Location?.OriginalString);

        var page = await host.Http.GetStringAsync("/dashboard/");
        Assert.Contains("dashboard.js", page);
        Assert.Contains("EventSource", await host.Http.GetStringAsync("/dashboard/dashboard.js"));

        using var orleans = await host.Http.GetAsync("/orleans/");
        Assert.Equal(HttpStatusCode.NotFound, orleans.StatusCode);
    }

    [Fact]
    public async Task The_page_and_its_files_come_with_a_content_security_policy_and_may_not_be_framed_sniffed_or_referred_from()
    {
        using var anonymous = host.CreateClient(null);
        foreach (var path in new[] { "/dashboard/", "/dashboard/dashboard.js", "/dashboard/dashboard.css" })
        {
            using var response = await anonymous.GetAsync(path);
            response.EnsureSuccessStatusCode();
            // The page loads its own script and style sheet and calls this origin (the API, the live streams): nothing else.
            Assert.Equal("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
                Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
            Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        }
    }
}
