using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamAttention.Grains.Import;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Tests;

public sealed class HttpApiTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Interest_crud_round_trip()
    {
        var created = await Http.PutAsJsonAsync("/users/http-crud/interests/db", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/users/http-crud/interests/db", created.Headers.Location?.OriginalString);

        var replaced = await Http.PutAsJsonAsync("/users/http-crud/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.6 });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);

        var interest = await Http.GetFromJsonAsync<JsonObject>("/users/http-crud/interests/db");
        Assert.Equal(0.6, (double)interest!["threshold"]!, 3);
        var all = await Http.GetFromJsonAsync<JsonObject>("/users/http-crud/interests");
        Assert.Equal("db", (string?)all!["interests"]![0]!["id"]);

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("/users/http-crud/interests/db")).StatusCode);
        // Its only interest gone, nothing is kept about the user.
        var missing = await Http.DeleteAsync("/users/http-crud/interests/db");
        Assert.Equal("User not found", (string?)(await AssertProblemAsync(missing, HttpStatusCode.NotFound))["title"]);
        await AssertProblemAsync(await Http.GetAsync("/users/http-crud/interests/db"), HttpStatusCode.NotFound);
    }

    /// <summary>
    /// A route of one interest or match answers "User not found" for a user nothing is kept about, as the user's lists
    /// do, so a client tells a mistyped user id from a missing item; a user that exists gets the item's own 404.
    /// </summary>
    [Theory]
    [InlineData("GET", "/interests/db", "Interest not found", "no interest 'db'")]
    [InlineData("DELETE", "/interests/db", "Interest not found", "no interest 'db'")]
    [InlineData("POST", "/matches/m-1/feedback", "Match not found", "no match 'm-1'")]
    public async Task One_interest_or_match_of_a_user_nothing_is_kept_about_is_404_user_not_found(string method, string route, string title, string detail)
    {
        HttpRequestMessage Request(string user) => new(new HttpMethod(method), $"/users/{user}{route}")
        {
            Content = method == "POST" ? JsonContent.Create(new { relevant = true }) : null,
        };
        var unknown = await AssertProblemAsync(await Http.SendAsync(Request("http-unknown-item")), HttpStatusCode.NotFound);
        Assert.Equal("User not found", (string?)unknown["title"]);

        (await Http.PutAsJsonAsync("/users/http-known-item/interests/other", new { text = Texts.RacingInterest })).EnsureSuccessStatusCode();
        var known = await AssertProblemAsync(await Http.SendAsync(Request("http-known-item")), HttpStatusCode.NotFound);
        Assert.Equal(title, (string?)known["title"]);
        Assert.Contains(detail, (string?)known["detail"]);
    }

    [Theory]
    [InlineData("/users/v/interests/bad%20id", """{"text": "database"}""", "id")]
    [InlineData("/users/v/interests/ok", """{"text": ""}""", "text")]
    [InlineData("/users/v/interests/ok", """{"threshold": 0.5}""", "text")]
    [InlineData("/users/v/interests/ok", """{"text": "database", "threshold": 2}""", "threshold")]
    // At 0 or below an interest would match every message, empty texts included.
    [InlineData("/users/v/interests/ok", """{"text": "database", "threshold": 0}""", "threshold")]
    [InlineData("/users/v/interests/ok", """{"text": "database", "threshold": -0.5}""", "threshold")]
    [InlineData("/users/v/interests/ok", """{"text": "database", "threshold": -1}""", "threshold")]
    [InlineData("/users/v/interests/ok", """{"text": "qwzxv zzqxj"}""", "text")]
    [InlineData("/users/bad%20user/interests/ok", """{"text": "database"}""", "userId")]
    public async Task Invalid_interests_are_validation_problems(string path, string body, string field)
    {
        var response = await Http.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]![field]);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]));
    }

    [Fact]
    public async Task Malformed_json_is_a_problem_with_the_parsers_message()
    {
        var response = await Http.PutAsync("/users/v/interests/ok", new StringContent("""{"text": """, Encoding.UTF8, "application/json"));
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("JSON", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Score_returns_matches_and_records_them_in_the_users_history()
    {
        await Http.PutAsJsonAsync("/users/http-score/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        var response = await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.Unrelated, Texts.RacingMessage }, userId = "http-score" });
        response.EnsureSuccessStatusCode();
        var match = Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray())!;
        Assert.Equal(1, (int)match["textIndex"]!);
        Assert.Equal("http-score", (string?)match["userId"]);
        Assert.Equal("f1", (string?)match["interestId"]);
        Assert.True((double)match["score"]! >= Texts.RacingThreshold);
        Assert.NotEmpty(match["highlights"]!.AsArray());

        // The user grain records each match as it decides it, before the scoring call returns.
        var history = await Http.GetFromJsonAsync<JsonObject>("/users/http-score/matches?limit=1");
        Assert.Equal(Texts.RacingMessage, (string?)history!["matches"]![0]!["text"]);
        await AssertProblemAsync(await Http.GetAsync("/users/http-score/matches?limit=0"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Erasing_a_user_removes_what_it_stored_and_the_same_message_matches_it_no_more()
    {
        await Http.PutAsJsonAsync("/users/http-erase/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        (await Http.PutAsJsonAsync("/users/http-erase/policy", new { rateLimit = new { maxImmediate = 3 } })).EnsureSuccessStatusCode();
        Assert.Contains(await ScoredUsersAsync(Texts.RacingMessage), user => user == "http-erase");

        var erased = await Http.DeleteAsync("/users/http-erase");

        Assert.Equal(HttpStatusCode.NoContent, erased.StatusCode);
        Assert.Empty(await StoredInterestsAsync("http-erase"));
        await AssertProblemAsync(await Http.GetAsync("/users/http-erase/matches"), HttpStatusCode.NotFound);
        Assert.Equal(Contracts.Users.DeliveryPolicy.Default.RateLimit.MaxImmediate,
            (int)(await Http.GetFromJsonAsync<JsonObject>("/users/http-erase/policy"))!["rateLimit"]!["maxImmediate"]!);
        Assert.DoesNotContain(await ScoredUsersAsync(Texts.RacingMessage), user => user == "http-erase");
        await AssertProblemAsync(await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.RacingMessage }, userId = "http-erase" }), HttpStatusCode.NotFound);
        // Erasing again, or a user never stored, is done all the same.
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("/users/http-erase")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("/users/http-never-stored")).StatusCode);
        await AssertProblemAsync(await Http.DeleteAsync("/users/bad%20user"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_users_export_is_its_stored_data_as_one_document()
    {
        await Http.PutAsJsonAsync("/users/http-export/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        (await Http.PutAsJsonAsync("/users/http-export/policy", new { rateLimit = new { maxImmediate = 3 } })).EnsureSuccessStatusCode();
        var scored = await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.RacingMessage }, userId = "http-export" });
        var matchId = (string?)(await scored.Content.ReadFromJsonAsync<JsonObject>())!["matches"]![0]!["matchId"];
        (await Http.PostAsJsonAsync($"/users/http-export/matches/{matchId}/feedback", new { relevant = true })).EnsureSuccessStatusCode();

        var export = (await Http.GetFromJsonAsync<JsonObject>("/users/http-export/export"))!;

        Assert.Equal("http-export", (string?)export["userKey"]);
        Assert.Equal(Texts.RacingInterest, (string?)export["interests"]![0]!["text"]);
        Assert.Equal(3, (int)export["policy"]!["rateLimit"]!["maxImmediate"]!);
        Assert.Equal(1, (int)export["feedback"]![0]!["relevant"]!);
        Assert.Equal(matchId, (string?)Assert.Single(export["matches"]!.AsArray())!["matchId"]);
        Assert.Empty(export["digests"]!.AsArray());
        Assert.Empty(export["waitingForDigest"]!.AsArray());
    }

    [Fact]
    public async Task An_erased_users_export_is_404_as_a_never_known_users_is()
    {
        await Http.PutAsJsonAsync("/users/http-export-erased/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/users/http-export-erased/export")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync("/users/http-export-erased")).StatusCode);

        var erased = await AssertProblemAsync(await Http.GetAsync("/users/http-export-erased/export"), HttpStatusCode.NotFound);
        var neverKnown = await AssertProblemAsync(await Http.GetAsync("/users/http-export-never-known/export"), HttpStatusCode.NotFound);

        // Alike but for the user's own key (and the request's trace id): nothing tells that the erased user existed.
        erased.Remove("traceId");
        neverKnown.Remove("traceId");
        Assert.Equal(neverKnown.ToJsonString().Replace("http-export-never-known", "USER", StringComparison.Ordinal),
            erased.ToJsonString().Replace("http-export-erased", "USER", StringComparison.Ordinal));
    }

    /// <summary>
    /// What the service kept for a user (matches, digests, feedback) answers 404 "User not found" for a user it keeps
    /// nothing about, as the user's stream and export do; a user that exists gets its lists, empty ones too. The settings
    /// answer for any user: they are read before they are written.
    /// </summary>
    [Theory]
    [InlineData("/matches")]
    [InlineData("/matches?delivery=immediate")]
    [InlineData("/matches?after=m-1")]
    [InlineData("/digests")]
    [InlineData("/feedback")]
    public async Task A_users_matches_digests_and_feedback_are_404_for_a_user_nothing_is_kept_about(string route)
    {
        var unknown = await AssertProblemAsync(await Http.GetAsync($"/users/http-unknown-reads{route}"), HttpStatusCode.NotFound);
        Assert.Equal("User not found", (string?)unknown["title"]);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/users/http-unknown-reads/interests")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/users/http-unknown-reads/policy")).StatusCode);

        (await Http.PutAsJsonAsync("/users/http-known-reads/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold })).EnsureSuccessStatusCode();
        var known = await Http.GetAsync($"/users/http-known-reads{route.Replace("?after=m-1", "", StringComparison.Ordinal)}");
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        var body = JsonNode.Parse(await known.Content.ReadAsStringAsync())!;
        Assert.Empty(body is JsonArray list ? list : body[route.Split('?')[0].TrimStart('/')]!.AsArray());
    }

    /// <summary>The users whose interests <paramref name="text"/> matches, scored against every user.</summary>
    private async Task<string?[]> ScoredUsersAsync(string text)
    {
        var response = await Http.PostAsJsonAsync("/score", new { texts = new[] { text } });
        response.EnsureSuccessStatusCode();
        return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray().Select(m => (string?)m!["userId"])];
    }

    [Fact]
    public async Task A_users_matches_can_be_asked_for_some_delivery_kinds()
    {
        await Http.PutAsJsonAsync("/users/http-kinds/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        // The same text again and again: delivered now, then the first's duplicates, more of them than the history
        // keeps: they do not push the delivered one out.
        var limits = fixture.Services.GetRequiredService<IOptions<InterestLimitsOptions>>().Value;
        foreach (var copies in new[] { 1, limits.HeldBackHistorySize + 1 })
        {
            (await Http.PostAsJsonAsync("/score", new { texts = Enumerable.Repeat(Texts.RacingMessage, copies), userId = "http-kinds" })).EnsureSuccessStatusCode();
        }

        var immediate = (await Http.GetFromJsonAsync<JsonObject>("/users/http-kinds/matches?delivery=immediate"))!["matches"]!.AsArray();
        var both = (await Http.GetFromJsonAsync<JsonObject>("/users/http-kinds/matches?delivery=immediate,suppressed-duplicate&limit=1"))!["matches"]!.AsArray();
        var newest = (await Http.GetFromJsonAsync<JsonObject>("/users/http-kinds/matches"))!["matches"]!.AsArray();

        Assert.Equal(["immediate"], immediate.Select(m => (string?)m!["delivery"]));
        Assert.Equal(["suppressed-duplicate"], both.Select(m => (string?)m!["delivery"]));
        // The newest (as many as MatchHistorySize, which HeldBackHistorySize equals by default) are the duplicates.
        Assert.Equal(Enumerable.Repeat("suppressed-duplicate", limits.MatchHistorySize), newest.Select(m => (string?)m!["delivery"]));
        var problem = await AssertProblemAsync(await Http.GetAsync("/users/http-kinds/matches?delivery=urgent"), HttpStatusCode.BadRequest);
        Assert.Contains("not 'urgent'", problem["errors"]!["delivery"]![0]!.ToString());
    }

    [Fact]
    public async Task A_users_matches_after_a_match_id_are_the_newer_ones()
    {
        await Http.PutAsJsonAsync("/users/http-after/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        var ids = new List<string>();
        foreach (var _ in new[] { 1, 2, 3 })
        {
            var response = await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.RacingMessage }, userId = "http-after" });
            ids.Add((string)(await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["matches"]![0]!["matchId"]!);
        }

        async Task<string[]> After(string query)
            => [.. (await Http.GetFromJsonAsync<JsonObject>($"/users/http-after/matches?{query}"))!["matches"]!.AsArray().Select(m => (string)m!["matchId"]!)];

        Assert.Equal([ids[2], ids[1]], await After($"after={ids[0]}"));
        Assert.Equal([ids[2]], await After($"after={ids[0]}&limit=1"));
        Assert.Equal([ids[2]], await After($"after={ids[0]}&delivery=suppressed-duplicate&limit=1"));
        Assert.Empty(await After($"after={ids[2]}"));
        var problem = await AssertProblemAsync(await Http.GetAsync("/users/http-after/matches?after=long-gone"), HttpStatusCode.NotFound);
        Assert.Contains("long-gone is not in the user's history", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Score_with_source_ids_sent_again_returns_the_first_match_ids_and_decisions()
    {
        await Http.PutAsJsonAsync("/users/http-score-sources/interests/f1", new { text = Texts.RacingInterest, threshold = Texts.RacingThreshold });
        var request = new { texts = new[] { Texts.RacingMessage }, userId = "http-score-sources", sourceIds = new[] { "pager/4711" } };

        async Task<JsonNode> ScoreAsync(object body)
        {
            var response = await Http.PostAsJsonAsync("/score", body);
            response.EnsureSuccessStatusCode();
            return Assert.Single((await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray())!;
        }
        var first = await ScoreAsync(request);
        var again = await ScoreAsync(request);
        var fresh = await ScoreAsync(new { texts = new[] { Texts.RacingMessage }, userId = "http-score-sources" });

        Assert.Equal(("immediate", (string?)first["matchId"]), ((string?)again["delivery"], (string?)again["matchId"]));
        Assert.Equal("immediate", (string?)first["delivery"]);
        // Without source ids the same text is a new match: a near-duplicate of the first.
        Assert.Equal(("suppressed-duplicate", (string?)first["matchId"]), ((string?)fresh["delivery"], (string?)fresh["duplicateOf"]));
        // The history names the first by its source id, the other by none.
        var history = (await Http.GetFromJsonAsync<JsonObject>("/users/http-score-sources/matches"))!["matches"]!.AsArray();
        Assert.Equal([((string?)fresh["matchId"], null), ((string?)first["matchId"], "pager/4711")],
            history.Select(m => ((string?)m!["matchId"], (string?)m["source"])));
    }

    [Theory]
    [InlineData("", "The request needs a JSON body.")]
    [InlineData("\"kafka outages\"", "The body is not the JSON this endpoint takes: the value has the wrong type at $ (line 1, byte 16).")]
    [InlineData("""{"text": 5}""", "The body is not the JSON this endpoint takes: the value has the wrong type at $.text (line 1, byte 11).")]
    [InlineData("""{"text": "a",}""", "The body is not the JSON this endpoint takes: The JSON object contains a trailing comma at the end which is not supported in this mode at $ (line 1, byte 14).")]
    [InlineData("""{"text": "a", "treshold": 0.5}""", "The body is not the JSON this endpoint takes: no such field at $.treshold (line 1, byte 26).")]
    [InlineData("""{"text": "a", "threshold": "0.5"}""", "The body is not the JSON this endpoint takes: the value has the wrong type at $.threshold (line 1, byte 33).")]
    [InlineData("""{"text": "a", "text": "b"}""", "The body is not the JSON this endpoint takes: the field is given twice at $.text (line 1, byte 22).")]
    public async Task A_body_the_binder_refuses_is_described_without_dotnet_names(string body, string detail)
    {
        var problem = await AssertProblemAsync(await Http.PutAsync("/users/http-bad-body/interests/i", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.Equal(detail, (string?)problem["detail"]);
    }

    [Theory]
    [InlineData(new byte[] { 0xff }, "The body is not the JSON this endpoint takes: the text is not valid UTF-8 at $.text (line 1, byte 14).")]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0' },
        "The body is not the JSON this endpoint takes: the text holds a lone surrogate escape (\\uD800 to \\uDFFF without its pair) at $.text (line 1, byte 19).")]
    public async Task A_text_that_is_no_text_is_described_as_such_not_as_a_wrong_type(byte[] inText, string detail)
    {
        byte[] body = [.. "{\"text\": \"a"u8, .. inText, .. "\"}"u8];

        var problem = await AssertProblemAsync(await Http.PutAsync("/users/http-bad-body/interests/i",
            new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } }), HttpStatusCode.BadRequest);

        Assert.Equal(detail, (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_query_value_the_binder_refuses_is_named()
    {
        var problem = await AssertProblemAsync(await Http.GetAsync("/users/http-bad-query/matches?limit=abc"), HttpStatusCode.BadRequest);

        Assert.Equal("'abc' is not a valid value for 'limit'.", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("""{"texts": ["a", "b"], "sourceIds": ["s-1"]}""")]
    [InlineData("""{"texts": ["a"], "sourceIds": [" "]}""")]
    [InlineData("""{"texts": ["a"], "sourceIds": [null]}""")]
    [InlineData("""{"texts": []}""")]
    [InlineData("""{"userId": "x"}""")]
    [InlineData("""{"texts": [null]}""")]
    [InlineData("""{"texts": ["a"], "userId": "not valid"}""")]
    public async Task Invalid_score_requests_are_problems(string body)
        => await AssertProblemAsync(await Http.PostAsync("/score", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

    [Fact]
    public async Task Bulk_import_of_100000_interests_reports_bad_lines_and_scores_the_rest()
    {
        const int users = 10_000, perUser = 10;
        var body = new StringBuilder();
        for (var i = 0; i < users * perUser; i++)
        {
            var text = i % 2 == 0 ? Texts.DatabaseInterest : Texts.RacingInterest;
            body.AppendLine(JsonSerializer.Serialize(new { userId = $"import-{i / perUser}", id = $"i{i % perUser}", text, threshold = i % 2 == 0 ? (float?)null : Texts.RacingThreshold }));
        }
        body.AppendLine("""{"userId": "import-x", "id": "bad id", "text": "database"}""");
        body.AppendLine("{not json");
        body.AppendLine();
        body.AppendLine("""{"userId": "import-x", "id": "ok", "text": "qwzxv zzqxj"}""");

        var report = await ImportAsync(Http, body.ToString());
        Assert.Equal(users * perUser + 3, (int)report["lines"]!);
        Assert.Equal(users * perUser, (int)report["imported"]!);
        Assert.Equal(3, (int)report["failed"]!);
        var errors = report["errors"]!.AsArray().Select(e => ((int)e!["line"]!, (string)e["message"]!)).ToArray();
        Assert.Equal([users * perUser + 1, users * perUser + 2, users * perUser + 4], errors.Select(e => e.Item1));
        Assert.Contains("id", errors[0].Item2);
        Assert.Contains("JSON", errors[1].Item2);
        Assert.Contains("known", errors[2].Item2);

        Assert.Equal(perUser, (await StoredInterestsAsync("import-1234")).Count);
        var scored = await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = "import-77" });
        var matches = (await scored.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray();
        Assert.Equal(perUser / 2, matches.Count);
    }

    [Fact]
    public async Task An_imports_reported_errors_are_its_first_failed_lines_even_when_a_users_lines_fail_after_later_ones()
    {
        var limit = fixture.Services.GetRequiredService<IOptions<InterestLimitsOptions>>().Value.MaxInterestsPerUser;
        var body = new StringBuilder();
        // A user's lines past its interest limit fail when the user's batch is written, after the garbage below failed to parse.
        for (var i = 0; i < limit + 2; i++)
        {
            body.AppendLine(JsonSerializer.Serialize(new { userId = "import-order", id = $"i{i}", text = Texts.DatabaseInterest }));
        }
        for (var i = 0; i < InterestImporter.MaxReportedErrors; i++)
        {
            body.AppendLine("{not json");
        }

        var report = await ImportAsync(Http, body.ToString());

        Assert.Equal(InterestImporter.MaxReportedErrors + 2, (int)report["failed"]!);
        var lines = report["errors"]!.AsArray().Select(e => (int)e!["line"]!).ToArray();
        Assert.Equal(Enumerable.Range(limit + 1, InterestImporter.MaxReportedErrors), lines);
    }

    [Fact]
    public async Task An_imports_reported_errors_are_cut_to_a_bounded_length_when_they_quote_a_long_line()
    {
        // An unknown field's name is in the error's JSON path; of the emoji names (one shifted by a letter), one is cut
        // inside a surrogate pair unless the cut steps back, and the response writes half a pair as U+FFFD.
        var names = new[] { new string('k', 10_000), string.Concat(Enumerable.Repeat("😀", 5_000)), "a" + string.Concat(Enumerable.Repeat("😀", 5_000)) };
        var body = string.Join("\n", names.Select(name => $"{{\"{name}\": 1}}"));

        var report = await ImportAsync(Http, body);
        var messages = report["errors"]!.AsArray().Select(e => (string)e!["message"]!).ToArray();
        Assert.Equal(names.Length, messages.Length);
        Assert.All(messages, message =>
        {
            Assert.Equal(InterestImporter.MaxErrorMessageLength, message.Length, (expected, actual) => actual <= expected);
            Assert.StartsWith("invalid JSON: no such field", message);
            Assert.EndsWith("…", message);
            Assert.DoesNotContain('\uFFFD', message);
        });
    }

    [Fact]
    public async Task An_import_line_that_is_not_utf8_fails_on_its_own_and_the_lines_around_it_are_imported()
    {
        var body = new MemoryStream();
        body.Write("{\"userId\": \"import-utf8\", \"id\": \"a\", \"text\": \"kafka broker outages\"}\n"u8);
        body.Write("{\"userId\": \"import-utf8\", \"id\": \"b\", \"text\": \"bad "u8);
        body.WriteByte(0xff);
        body.Write(" here\"}\n"u8);
        body.Write("{\"userId\": \"import-utf8\", \"id\": \"c\", \"text\": \"caf\u00e9 menus \uFFFD\"}\n"u8);

        var report = await ImportAsync(Http, new ByteArrayContent(body.ToArray()) { Headers = { ContentType = new("application/x-ndjson") } });
        Assert.Equal((2, 1), ((int)report["imported"]!, (int)report["failed"]!));
        var error = Assert.Single(report["errors"]!.AsArray())!;
        Assert.Equal((2, "the line is not valid UTF-8"), ((int)error["line"]!, (string?)error["message"]));
        var stored = await StoredInterestsAsync("import-utf8");
        Assert.Equal(["kafka broker outages", "café menus \uFFFD"], stored.Select(i => (string?)i!["text"]));
    }

    /// <summary>The body was read as UTF-8 whatever its charset said: every line of a UTF-16 body failed as invalid JSON.</summary>
    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    public async Task An_import_body_is_read_in_the_charset_its_content_type_names(string charset)
    {
        var user = $"import-{charset.ToLowerInvariant()}";
        var body = $$"""
            {"userId": "{{user}}", "id": "a", "text": "kafka broker outages"}
            {"userId": "{{user}}", "id": "b", "text": "café menus 検証"}
            """;

        // StringContent writes no byte order mark: only the charset says how to read the bytes.
        var report = await ImportAsync(Http, body, Encoding.GetEncoding(charset));
        Assert.Equal((2, 0), ((int)report["imported"]!, (int)report["failed"]!));
        var stored = await StoredInterestsAsync(user);
        Assert.Equal(["kafka broker outages", "caf\u00e9 menus \u691C\u8A3C"], stored.Select(i => (string?)i!["text"]));
    }

    [Fact]
    public async Task A_body_in_a_charset_the_server_cannot_read_is_a_415_problem_naming_those_it_reads()
    {
        var import = new ByteArrayContent("{\"userId\": \"charset-klingon\", \"id\": \"a\", \"text\": \"kafka\"}\n"u8.ToArray());
        import.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-ndjson; charset=klingon");
        // The JSON routes' ReadFromJsonAsync reads a charset it knows (UTF-16 too) and failed on this one with a 500.
        var put = new ByteArrayContent("{\"text\": \"kafka\"}"u8.ToArray());
        put.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=klingon");

        var problems = new[]
        {
            await AssertProblemAsync(await Http.PostAsync("/interests:import", import), HttpStatusCode.UnsupportedMediaType),
            await AssertProblemAsync(await Http.PutAsync("/users/charset-klingon/interests/b", put), HttpStatusCode.UnsupportedMediaType),
        };

        Assert.All(problems, problem => Assert.Equal("The body's charset (klingon) is not one this server reads: UTF-8 (the default), UTF-16, UTF-32, US-ASCII or ISO-8859-1.",
            (string?)problem["detail"]));
        Assert.Empty(await StoredInterestsAsync("charset-klingon"));
        var utf16 = await Http.PutAsync("/users/charset-utf16/interests/a", new StringContent("{\"text\": \"caf\u00e9 menus\"}", Encoding.Unicode, "application/json"));
        Assert.Equal(HttpStatusCode.Created, utf16.StatusCode);
    }

    /// <summary>A GET carrying a content type it has no body for was refused 415, which the OpenAPI document declares only where a body is taken.</summary>
    [Fact]
    public async Task A_route_that_takes_no_body_ignores_the_charset_of_a_content_type_sent_with_it()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/users/charset-nobody/interests") { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=klingon");
        var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_import_line_whose_threshold_would_match_every_message_fails_on_its_own_and_the_others_are_imported()
    {
        var body = string.Join('\n',
            """{"userId": "import-threshold", "id": "a", "text": "kafka broker outages", "threshold": 0.5}""",
            """{"userId": "import-threshold", "id": "b", "text": "kafka broker outages", "threshold": 0}""",
            """{"userId": "import-threshold", "id": "c", "text": "kafka broker outages", "threshold": -0.3}""",
            """{"userId": "import-threshold", "id": "d", "text": "kafka broker outages"}""");

        var report = await ImportAsync(Http, body);
        Assert.Equal((2, 2), ((int)report["imported"]!, (int)report["failed"]!));
        Assert.Equal([2, 3], report["errors"]!.AsArray().Select(e => (int)e!["line"]!));
        Assert.All(report["errors"]!.AsArray(), e => Assert.StartsWith("threshold: threshold must be in (0, 1]", (string?)e!["message"]));
        var stored = await StoredInterestsAsync("import-threshold");
        Assert.Equal(["a", "d"], stored.Select(i => (string?)i!["id"]));
    }

    [Fact]
    public async Task A_users_export_imports_whole_into_another_user_its_policy_on_a_line_of_its_own()
    {
        (await Http.PutAsJsonAsync("/users/import-export-source/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.6, require = new[] { "replication" } }))
            .EnsureSuccessStatusCode();
        (await Http.PutAsJsonAsync("/users/import-export-source/interests/racing", new { text = Texts.RacingInterest, exclude = new[] { "rally" } })).EnsureSuccessStatusCode();
        (await Http.PutAsJsonAsync("/users/import-export-source/policy", new
        {
            duplicates = new { enabled = false },
            rateLimit = new { maxImmediate = 3, window = "00:30:00" },
            digest = new { digestEvery = "02:00:00", digestSize = 4 },
        })).EnsureSuccessStatusCode();
        var source = (await Http.GetFromJsonAsync<JsonObject>("/users/import-export-source/export"))!;

        // The export's interests and policy as import lines of another user, as an operator moving a tenant writes them.
        var lines = source["interests"]!.AsArray().Select(interest => new JsonObject
        {
            ["userId"] = "import-export-target",
            ["id"] = interest!["id"]!.DeepClone(),
            ["text"] = interest["text"]!.DeepClone(),
            ["threshold"] = interest["threshold"]?.DeepClone(),
            ["require"] = interest["require"]?.DeepClone(),
            ["exclude"] = interest["exclude"]?.DeepClone(),
        }).Append(new JsonObject { ["userId"] = "import-export-target", ["policy"] = source["policy"]!.DeepClone() });
        var body = string.Join('\n', lines.Select(line => line.ToJsonString()));
        var report = await ImportAsync(Http, body);
        Assert.Equal((3, 3, 0), ((int)report["lines"]!, (int)report["imported"]!, (int)report["failed"]!));
        var target = (await Http.GetFromJsonAsync<JsonObject>("/users/import-export-target/export"))!;
        Assert.True(JsonNode.DeepEquals(source["policy"], target["policy"]), $"{source["policy"]} != {target["policy"]}");
        static string Written(JsonNode? interest) => $"{interest!["id"]} {interest["text"]} {interest["threshold"]} {interest["require"]?.ToJsonString()} {interest["exclude"]?.ToJsonString()}";
        Assert.Equal(source["interests"]!.AsArray().Select(Written).Order(), target["interests"]!.AsArray().Select(Written).Order());
    }

    [Fact]
    public async Task An_import_policy_line_that_is_invalid_or_holds_an_interest_too_fails_on_its_own_and_the_others_are_imported()
    {
        var body = string.Join('\n',
            """{"userId": "import-policy", "id": "a", "text": "kafka broker outages"}""",
            """{"userId": "import-policy", "policy": {"rateLimit": {"maxImmediate": -1}}}""",
            """{"userId": "import-policy", "id": "b", "text": "kafka broker outages", "policy": {"rateLimit": {"maxImmediate": 2}}}""",
            """{"userId": "import-policy", "policy": {"rateLimit": {"maxImmediate": 5}}}""");

        var report = await ImportAsync(Http, body);
        Assert.Equal((2, 2), ((int)report["imported"]!, (int)report["failed"]!));
        Assert.Equal([2, 3], report["errors"]!.AsArray().Select(e => (int)e!["line"]!));
        Assert.StartsWith("rateLimit", (string?)report["errors"]![0]!["message"], StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("a line holds an interest or a policy, not both", (string?)report["errors"]![1]!["message"]);
        Assert.Equal(5, (int)(await Http.GetFromJsonAsync<JsonObject>("/users/import-policy/policy"))!["rateLimit"]!["maxImmediate"]!);
        Assert.Equal(["a"], (await StoredInterestsAsync("import-policy")).Select(i => (string?)i!["id"]));
    }

    /// <summary>The import line's fields are what a client sends, and the document lists those only: no computed member of the body's type.</summary>
    [Fact]
    public async Task The_import_line_has_only_its_input_fields_in_the_openapi_document_and_refuses_any_other()
    {
        var document = (await Http.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        Assert.Equal(["exclude", "id", "policy", "require", "text", "threshold", "userId"],
            document["components"]!["schemas"]!["ImportLineBody"]!["properties"]!.AsObject().Select(property => property.Key).Order(StringComparer.Ordinal));

        var report = await ImportAsync(Http, """{"userId": "import-fields", "id": "a", "text": "kafka broker outages", "holdsInterestFields": false}""");
        Assert.Equal((0, 1), ((int)report["imported"]!, (int)report["failed"]!));
        Assert.Contains("holdsInterestFields", (string?)report["errors"]![0]!["message"]);
    }

    [Fact]
    public async Task An_import_line_with_a_null_policy_and_no_interest_fields_fails_as_neither_not_as_an_interest_without_an_id()
    {
        // An export's "policy": null copied as it is, and a line naming only its user.
        var body = string.Join('\n',
            """{"userId": "import-neither", "policy": null}""",
            """{"userId": "import-neither"}""",
            """{"userId": "import-neither", "id": "a", "text": "kafka broker outages"}""");

        var report = await ImportAsync(Http, body);
        Assert.Equal((1, 2), ((int)report["imported"]!, (int)report["failed"]!));
        Assert.All(report["errors"]!.AsArray(), error => Assert.StartsWith("the line holds neither an interest", (string?)error!["message"]));
    }

    [Theory]
    [InlineData("""{"texts": [""]}""")]
    [InlineData("""{"texts": ["kafka broker outage", " \n\t"]}""")]
    public async Task A_score_request_with_an_empty_text_is_a_problem_as_the_ingest_dead_letters_one(string body)
    {
        var problem = await AssertProblemAsync(await Http.PostAsync("/score", new StringContent(body, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);

        Assert.NotNull(problem["errors"]!["texts"]);
    }

    [Fact]
    public async Task A_score_request_for_a_user_without_interests_is_404_as_the_ingest_dead_letters_one()
    {
        var problem = await AssertProblemAsync(await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.RacingMessage }, userId = "http-score-nobody" }), HttpStatusCode.NotFound);

        Assert.Equal("User 'http-score-nobody' has no interests.", (string?)problem["detail"]);
    }

    [Fact]
    public async Task An_empty_import_is_a_problem()
        => await AssertProblemAsync(await Http.PostAsync("/interests:import", new StringContent("\n\n", Encoding.UTF8, "application/x-ndjson")), HttpStatusCode.BadRequest);

    [Fact]
    public async Task A_body_of_a_type_the_endpoint_does_not_take_is_a_415_problem_naming_the_types_it_takes()
    {
        // What curl --data-binary sends without a content type.
        var problem = await AssertProblemAsync(await Http.PostAsync("/interests:import",
            new StringContent("{\"userId\": \"u\", \"id\": \"i\", \"text\": \"kafka outages\"}", Encoding.UTF8, "application/x-www-form-urlencoded")),
            HttpStatusCode.UnsupportedMediaType);

        Assert.Equal("The body's content type (application/x-www-form-urlencoded; charset=utf-8) is not one this endpoint takes: JSON Lines, as application/x-ndjson, application/jsonl or text/plain.",
            (string?)problem["detail"]);
        // JSON is what the other endpoints take, not the import: the answer says what this one takes.
        var json = await AssertProblemAsync(await Http.PostAsJsonAsync("/interests:import", new { userId = "u", id = "i", text = "kafka outages" }), HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("The body's content type (application/json; charset=utf-8) is not one this endpoint takes: JSON Lines, as application/x-ndjson, application/jsonl or text/plain.",
            (string?)json["detail"]);
        var form = await AssertProblemAsync(await Http.PutAsync("/users/http-form/interests/i", new StringContent("text=kafka", Encoding.UTF8, "application/x-www-form-urlencoded")),
            HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("The body's content type (application/x-www-form-urlencoded; charset=utf-8) is not one this endpoint takes: application/json.", (string?)form["detail"]);
    }

    [Fact]
    public async Task Openapi_document_lists_the_api()
    {
        var document = await Http.GetStringAsync("/openapi/v1.json");
        foreach (var path in new[] { "/users/{userId}/interests/{interestId}", "/interests:import", "/score", "/users/{userId}/matches", "/users/{userId}", "/users/{userId}/export" })
        {
            Assert.Contains($"\"{path}\"", document);
        }
        // POST /score without a userId scores against every user: the document must not call it required.
        var json = JsonNode.Parse(document)!;
        var schemas = json["components"]!["schemas"]!;
        Assert.DoesNotContain("userId", Required(schemas["ScoreBody"]!));
        Assert.Equal(["text"], Required(schemas["InterestBody"]!));
        Assert.Empty(Required(schemas["PolicyBody"]!));
        Assert.DoesNotContain("string", schemas["InterestBody"]!["properties"]!["threshold"]!["type"]!.ToJsonString());

        // Route values bound by the user scope are declared, as OpenAPI requires of every templated path.
        var put = json["paths"]!["/tenants/{tenant}/users/{userId}/interests/{interestId}"]!["put"]!;
        Assert.Equal(["interestId", "tenant", "userId"], put["parameters"]!.AsArray().Where(p => (string?)p!["in"] == "path").Select(p => (string?)p!["name"]).Order());
        Assert.Equal(["ApiKey", "Bearer"], json["components"]!["securitySchemes"]!.AsObject().Select(s => s.Key).Order());
        Assert.Equal(["ApiKey", "Bearer"], put["security"]!.AsArray().SelectMany(r => r!.AsObject().Select(s => s.Key)).Order());
        Assert.NotNull(put["responses"]!["401"]);
        Assert.NotNull(put["responses"]!["403"]);
        var stream = json["paths"]!["/users/{userId}/matches/stream"]!["get"]!;
        Assert.Contains("access_token", stream["parameters"]!.AsArray().Select(p => (string?)p!["name"]));
        Assert.NotNull(stream["responses"]!["200"]!["content"]!["text/event-stream"]);
        Assert.NotNull(stream["responses"]!["429"]);
        // A user without interests: the stream and POST /score with its userId are 404.
        Assert.NotNull(stream["responses"]!["404"]!["content"]!["application/problem+json"]);
        // What the service kept for a user: 404 when it keeps nothing about the user.
        foreach (var read in new[] { "matches", "digests", "feedback" })
        {
            var responses = json["paths"]![$"/users/{{userId}}/{read}"]!["get"]!["responses"]!;
            Assert.NotNull(responses["200"]!["content"]!["application/json"]);
            Assert.NotNull(responses["404"]!["content"]!["application/problem+json"]);
        }
        // Erasure answers 204 without a body; the export is one JSON document.
        Assert.NotNull(json["paths"]!["/tenants/{tenant}/users/{userId}"]!["delete"]!["responses"]!["204"]);
        Assert.NotNull(json["paths"]!["/users/{userId}/export"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]);
        var score = json["paths"]!["/score"]!["post"]!["responses"]!;
        Assert.Equal(["200", "400", "401", "403", "404", "413", "415", "429", "500", "503"], score.AsObject().Select(r => r.Key).Order(StringComparer.Ordinal));

        static IEnumerable<string?> Required(JsonNode schema) => schema["required"]?.AsArray().Select(n => (string?)n) ?? [];
    }

    /// <summary>
    /// Posts <paramref name="body"/> to the bulk import as NDJSON in UTF-8, or in <paramref name="encoding"/> (named
    /// by the content type's charset), and returns its report.
    /// </summary>
    internal static Task<JsonObject> ImportAsync(HttpClient http, string body, Encoding? encoding = null)
        => ImportAsync(http, new StringContent(body, encoding ?? Encoding.UTF8, "application/x-ndjson"));

    /// <summary>Posts <paramref name="body"/> to the bulk import and returns its report, failing unless the import succeeded.</summary>
    internal static async Task<JsonObject> ImportAsync(HttpClient http, HttpContent body)
        => (await (await http.PostAsync("/interests:import", body)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!;

    /// <summary>The interests <paramref name="user"/>'s list route returns.</summary>
    private async Task<JsonArray> StoredInterestsAsync(string user)
        => (await Http.GetFromJsonAsync<JsonObject>($"/users/{user}/interests"))!["interests"]!.AsArray();

    internal static async Task<JsonObject> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((int)status, (int)problem["status"]!);
        return problem;
    }
}
