using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace StreamAttention.Grains.Tests;

/// <summary>Per-interest <c>require</c> / <c>exclude</c> lists through the HTTP API: validated, normalised, stored, honoured by <c>/score</c>.</summary>
public sealed class KeywordRulesApiTests(SiloHostFixture fixture) : IClassFixture<SiloHostFixture>
{
    private HttpClient Http => fixture.Http;

    [Theory]
    [InlineData("""{"text": "database", "require": ["--"]}""", "require[0]")]
    [InlineData("""{"text": "database", "exclude": ["ok", null]}""", "exclude[1]")]
    [InlineData("""{"text": "database", "require": ["ORA-01555", "ora 01555", "Staging"], "exclude": ["staging"]}""", "exclude")]
    [InlineData("""{"text": "database", "require": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]}""", "require[0]")]
    [InlineData("""{"text": "database", "exclude": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u"]}""", "exclude")]
    public async Task Bad_keyword_lists_are_validation_problems_naming_the_list_or_term(string body, string field)
    {
        var response = await Http.PutAsync("/users/keywords-bad/interests/db", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]));
    }

    [Fact]
    public async Task A_keyword_list_that_is_not_an_array_of_strings_is_a_problem()
    {
        var response = await Http.PutAsync("/users/keywords-bad/interests/db", new StringContent("""{"text": "database", "require": "postgres"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Lists_are_stored_normalised_and_read_back()
    {
        var created = await Http.PutAsJsonAsync("/users/keywords-store/interests/db",
            new { text = Texts.DatabaseInterest, require = new[] { " PostgreSQL ", "Slow   Queries", "postgresql" }, exclude = new[] { "Staging" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var interest = (await Http.GetFromJsonAsync<JsonObject>("/users/keywords-store/interests/db"))!;
        Assert.Equal(["postgresql", "slow queries"], interest["require"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(["staging"], interest["exclude"]!.AsArray().Select(t => (string)t!));

        // Replacing an interest without lists removes them.
        await Http.PutAsJsonAsync("/users/keywords-store/interests/db", new { text = Texts.DatabaseInterest });
        var replaced = (await Http.GetFromJsonAsync<JsonObject>("/users/keywords-store/interests/db"))!;
        Assert.Null(replaced["require"]);
        Assert.Null(replaced["exclude"]);
    }

    [Fact]
    public async Task Score_honours_require_and_exclude()
    {
        await Http.PutAsJsonAsync("/users/keywords-score/interests/plain", new { text = Texts.DatabaseInterest, threshold = 0.5 });
        await Http.PutAsJsonAsync("/users/keywords-score/interests/ruled",
            new { text = Texts.DatabaseInterest, threshold = 0.5, require = new[] { "db-eu-1" }, exclude = new[] { "staging" } });
        string[] texts =
        [
            Texts.DatabaseMessage + " on db-eu-1",
            Texts.DatabaseMessage + " on db-eu-1 in staging",
            Texts.DatabaseMessage + " on db-eu-12",
        ];

        var response = await Http.PostAsJsonAsync("/score", new { texts, userId = "keywords-score" });
        response.EnsureSuccessStatusCode();
        var matches = (await response.Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray()
            .Select(m => ((string)m!["interestId"]!, (int)m["textIndex"]!)).Order().ToArray();

        Assert.Equal([("plain", 0), ("plain", 1), ("plain", 2), ("ruled", 0)], matches);
    }

    [Fact]
    public async Task Import_takes_the_lists_and_reports_bad_ones_by_line()
    {
        var body = new StringBuilder()
            .AppendLine("""{"userId": "keywords-import", "id": "db", "text": "postgresql database performance tuning", "require": ["Postgres"], "exclude": ["staging", "QA"]}""")
            .AppendLine("""{"userId": "keywords-import", "id": "bad", "text": "database", "exclude": ["!!"]}""")
            .ToString();

        var report = await HttpApiTests.ImportAsync(Http, body);
        Assert.Equal(1, (int)report["imported"]!);
        var error = Assert.Single(report["errors"]!.AsArray())!;
        Assert.Equal(2, (int)error["line"]!);
        Assert.Contains("letter or digit", (string?)error["message"]);

        var interest = (await Http.GetFromJsonAsync<JsonObject>("/users/keywords-import/interests/db"))!;
        Assert.Equal(["postgres"], interest["require"]!.AsArray().Select(t => (string)t!));
        Assert.Equal(["staging", "qa"], interest["exclude"]!.AsArray().Select(t => (string)t!));
    }
}
