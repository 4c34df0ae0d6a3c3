using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace StreamAttention.Grains.Tests.Attention;

/// <summary><c>/users/{userId}/policy</c>, the feedback route and the digests route over HTTP.</summary>
public sealed class PolicyApiTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task A_user_without_a_policy_gets_the_defaults_and_a_stored_policy_round_trips()
    {
        var defaults = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-round-trip/policy"))!;
        Assert.Equal(10, (int)defaults["rateLimit"]!["maxImmediate"]!);
        Assert.Equal("01:00:00", (string?)defaults["digest"]!["digestEvery"]);
        Assert.Null(defaults["quietHours"]);

        var put = await Http.PutAsync("/users/policy-round-trip/policy", Json("""
            {"rateLimit": {"maxImmediate": 5, "window": "01:00:00"},
             "quietHours": {"timeZone": "Europe/Berlin", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0.9},
             "mutes": [{"term": "staging", "until": "2030-01-01T00:00:00Z"}]}
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var stored = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-round-trip/policy"))!;
        Assert.Equal(5, (int)stored["rateLimit"]!["maxImmediate"]!);
        Assert.Equal("Europe/Berlin", (string?)stored["quietHours"]!["timeZone"]);
        Assert.Equal("staging", (string?)stored["mutes"]![0]!["term"]);
        // A section left out keeps its default.
        Assert.True((bool)stored["duplicates"]!["enabled"]!);
    }

    /// <summary>Quiet hours' critical interests are stored with the policy and read back by its GET and the user's export; left out, they are null (every interest).</summary>
    [Fact]
    public async Task Quiet_hours_critical_interests_round_trip_through_the_policy_and_the_export()
    {
        var put = await Http.PutAsync("/users/policy-critical/policy", Json("""
            {"quietHours": {"timeZone": "Europe/Berlin", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0.9, "criticalInterests": ["checkout-down", "db"]}}
            """));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var stored = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-critical/policy"))!;
        var exported = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-critical/export"))!;
        Assert.Equal(["checkout-down", "db"], stored["quietHours"]!["criticalInterests"]!.AsArray().Select(id => (string?)id));
        Assert.Equal(["checkout-down", "db"], exported["policy"]!["quietHours"]!["criticalInterests"]!.AsArray().Select(id => (string?)id));

        Assert.Equal(HttpStatusCode.OK, (await Http.PutAsync("/users/policy-critical/policy", Json("""
            {"quietHours": {"timeZone": "Europe/Berlin", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0.9}}
            """))).StatusCode);
        var everyInterest = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-critical/policy"))!;
        Assert.True(everyInterest["quietHours"]!.AsObject().TryGetPropertyValue("criticalInterests", out var none));
        Assert.Null(none);
    }

    [Fact]
    public async Task A_field_left_out_of_a_section_keeps_the_defaults_field()
    {
        var put = await Http.PutAsync("/users/policy-partial/policy", Json("""{"duplicates": {"enabled": false}, "rateLimit": {"maxImmediate": 3}, "digest": {"digestSize": 5}}"""));

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var stored = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-partial/policy"))!;
        Assert.Equal((false, "01:00:00", 0.6), ((bool)stored["duplicates"]!["enabled"]!, (string?)stored["duplicates"]!["duplicateWindow"], (double)stored["duplicates"]!["similarity"]!));
        Assert.Equal((3, "01:00:00"), ((int)stored["rateLimit"]!["maxImmediate"]!, (string?)stored["rateLimit"]!["window"]));
        Assert.Equal(("01:00:00", 5), ((string?)stored["digest"]!["digestEvery"], (int)stored["digest"]!["digestSize"]!));
    }

    [Theory]
    [InlineData("""{"rateLimit": {"maxImmediate": -1, "window": "01:00:00"}}""", "rateLimit.maxImmediate")]
    [InlineData("""{"digest": {"digestEvery": "00:00:10", "digestSize": 10}}""", "digest.digestEvery")]
    [InlineData("""{"quietHours": {"timeZone": "Nowhere/Special", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0.9}}""", "quietHours.timeZone")]
    [InlineData("""{"mutes": [{"interestId": "db", "term": "x", "until": "2030-01-01T00:00:00Z"}]}""", "mutes[0]")]
    // A threshold like an interest's: at 0 or below every match would break through the quiet hours.
    [InlineData("""{"quietHours": {"timeZone": "Etc/UTC", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0}}""", "quietHours.criticalScore")]
    [InlineData("""{"quietHours": {"timeZone": "Etc/UTC", "start": "22:00:00", "end": "07:00:00", "criticalScore": -0.5}}""", "quietHours.criticalScore")]
    [InlineData("""{"quietHours": {"timeZone": "Etc/UTC", "start": "22:00:00", "end": "07:00:00", "criticalScore": 0.9, "criticalInterests": ["db", "../x"]}}""",
        "quietHours.criticalInterests[1]")]
    public async Task Invalid_policies_are_validation_problems_by_field(string body, string field)
    {
        var response = await Http.PutAsync("/users/policy-invalid/policy", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.Equal(10, (int)(await Http.GetFromJsonAsync<JsonObject>("/users/policy-invalid/policy"))!["rateLimit"]!["maxImmediate"]!);
    }

    [Theory]
    // Left out, the critical score read as 0: every match interrupted the quiet hours, and the policy said nothing.
    [InlineData("""{"quietHours": {"timeZone": "Etc/UTC", "start": "22:00:00", "end": "07:00:00"}}""", "criticalScore")]
    // Left out, the mute ended in year 1: it muted nothing.
    [InlineData("""{"mutes": [{"interestId": "db"}]}""", "until")]
    public async Task A_policy_without_a_field_that_has_no_safe_default_is_refused_naming_it(string body, string field)
    {
        var response = await Http.PutAsync("/users/policy-required/policy", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains(field, (string?)problem["detail"]);
        Assert.Null((await Http.GetFromJsonAsync<JsonObject>("/users/policy-required/policy"))!["quietHours"]);
    }

    [Fact]
    public async Task Feedback_on_a_scored_match_moves_its_interests_threshold()
    {
        (await Http.PutAsJsonAsync("/users/policy-feedback/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.5 })).EnsureSuccessStatusCode();
        var scored = (await (await Http.PostAsJsonAsync("/score", new { texts = new[] { Texts.DatabaseMessage }, userId = "policy-feedback" })).Content.ReadFromJsonAsync<JsonObject>())!;
        var match = scored["matches"]![0]!;
        Assert.Equal("immediate", (string?)match["delivery"]);
        var matchId = (string)match["matchId"]!;
        var history = (await Http.GetFromJsonAsync<JsonObject>("/users/policy-feedback/matches"))!;
        Assert.Equal((matchId, "immediate"), ((string?)history["matches"]![0]!["matchId"], (string?)history["matches"]![0]!["delivery"]));

        var response = await Http.PostAsJsonAsync($"/users/policy-feedback/matches/{matchId}/feedback", new { relevant = false });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var feedback = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(0.51, (double)feedback["threshold"]!, 3);
        Assert.Equal(0.51, (double)(await Http.GetFromJsonAsync<JsonArray>("/users/policy-feedback/feedback"))![0]!["threshold"]!, 3);

        var missing = await Http.PostAsJsonAsync("/users/policy-feedback/matches/nope/feedback", new { relevant = true });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var noVerdict = await Http.PostAsJsonAsync($"/users/policy-feedback/matches/{matchId}/feedback", new { });
        Assert.Equal(HttpStatusCode.BadRequest, noVerdict.StatusCode);
        Assert.Empty((await Http.GetFromJsonAsync<JsonObject>("/users/policy-feedback/digests"))!["digests"]!.AsArray());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
