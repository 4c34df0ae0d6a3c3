using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// Role × endpoint: what each caller gets (200, 401 or 403), including the live streams (server-sent events), the
/// attention routes (policy, digests, feedback), the metrics and the Orleans dashboard. Callers: acme's user alice, acme's user bob, acme's and globex's tenant-admins,
/// acme's service API key, an operator, and no credentials. Each request uses a caller of its own (a fresh subject
/// where the subject does not matter), so the fixture's per-caller rate limit is never reached.
/// </summary>
public sealed class AuthorizationMatrixTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    public enum Who
    {
        Anonymous,
        Alice,
        Bob,
        AcmeAdmin,
        GlobexAdmin,
        AcmeServiceKey,
        Operator,
    }

    private const HttpStatusCode Ok = HttpStatusCode.OK;
    private const HttpStatusCode Unauthorized = HttpStatusCode.Unauthorized;
    private const HttpStatusCode Forbidden = HttpStatusCode.Forbidden;
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;

    /// <summary>Method, path, and the answer for each <see cref="Who"/> in order.</summary>
    public static TheoryData<string, string, HttpStatusCode[]> Matrix => new()
    {
        { "GET", "/tenants/acme/users/alice/interests", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "PUT", "/tenants/acme/users/alice/interests/matrix", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "GET", "/tenants/acme/users/alice/matches", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "SSE", "/tenants/acme/users/alice/matches/stream", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "GET", "/tenants/acme/users/alice/policy", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "POLICY", "/tenants/acme/users/alice/policy", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "GET", "/tenants/acme/users/alice/digests", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "GET", "/tenants/acme/users/alice/feedback", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "GET", "/tenants/acme/users/alice/export", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "DELETE", "/tenants/acme/users/alice", [Unauthorized, Ok, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "DELETE", "/users/alice", [Unauthorized, Ok, Forbidden, Ok, Ok, Ok, Ok] },
        // 404: let through, and alice has no match "none".
        { "FEEDBACK", "/tenants/acme/users/alice/matches/none/feedback", [Unauthorized, NotFound, Forbidden, NotFound, Forbidden, NotFound, NotFound] },
        // The short routes act in the caller's tenant: bob is not alice; globex's admin reaches globex's alice.
        { "GET", "/users/alice/interests", [Unauthorized, Ok, Forbidden, Ok, Ok, Ok, Ok] },
        { "SSE", "/users/alice/matches/stream", [Unauthorized, Ok, Forbidden, Ok, Ok, Ok, Ok] },
        { "POLICY", "/users/alice/policy", [Unauthorized, Ok, Forbidden, Ok, Ok, Ok, Ok] },
        { "FEEDBACK", "/users/alice/matches/none/feedback", [Unauthorized, NotFound, Forbidden, NotFound, NotFound, NotFound, NotFound] },
        { "SSE", "/tenants/acme/matches/stream", [Unauthorized, Forbidden, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "IMPORT", "/tenants/acme/interests:import", [Unauthorized, Forbidden, Forbidden, Ok, Forbidden, Ok, Ok] },
        { "SSE", "/matches/stream", [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok] },
        { "SCORE", "/score", [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok] },
        { "GET", "/metrics", [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok] },
        { "GET", "/orleans/", [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok] },
        { "GET", "/dashboard/stats", [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Ok] },
        // Probes and the dashboard's static page need no credentials; the page's calls do.
        { "GET", "/health/live", [Ok, Ok, Ok, Ok, Ok, Ok, Ok] },
        { "GET", "/dashboard/", [Ok, Ok, Ok, Ok, Ok, Ok, Ok] },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_caller_gets_the_expected_answer(string method, string path, HttpStatusCode[] expected)
    {
        // A user's stream is 404 while the user has no interests: acme's alice, globex's and the operator's (no tenant) have one.
        foreach (var user in new[] { "/tenants/acme/users/alice", "/tenants/globex/users/alice", "/users/alice" })
        {
            using var seed = Client(Who.Operator);
            (await seed.PutAsJsonAsync($"{user}/interests/seed", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        }
        foreach (var who in Enum.GetValues<Who>())
        {
            using var http = Client(who);
            using var response = await SendAsync(http, method, path);
            // "OK" stands for any success (a PUT answers 201 the first time, 200 after).
            var answer = response.IsSuccessStatusCode ? Ok : response.StatusCode;
            Assert.True(expected[(int)who] == answer, $"{who} {method} {path}: expected {(int)expected[(int)who]}, got {(int)response.StatusCode}");
            if (response.StatusCode is Unauthorized or Forbidden)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
                Assert.Equal((int)response.StatusCode, (int)problem!["status"]!);
                // Each says why, a 403 too (the role needed, or whose data the caller may reach).
                Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{who} {method} {path}: a {(int)response.StatusCode} without a detail");
            }
        }
    }

    private HttpClient Client(Who who)
    {
        var unique = Guid.NewGuid().ToString("N");
        return who switch
        {
            Who.Anonymous => fixture.CreateClient(null),
            Who.Alice => fixture.As(Roles.User, "acme", "alice"),
            Who.Bob => fixture.As(Roles.User, "acme", "bob"),
            Who.AcmeAdmin => fixture.As(Roles.TenantAdmin, "acme", $"admin-{unique}"),
            Who.GlobexAdmin => fixture.As(Roles.TenantAdmin, "globex", $"admin-{unique}"),
            Who.AcmeServiceKey => ServiceKeyClient(),
            _ => fixture.As(Roles.Operator, null, $"operator-{unique}"),
        };
    }

    private HttpClient ServiceKeyClient()
    {
        var http = fixture.CreateClient(null);
        http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, SecuredSiloFixture.AcmeServiceKey);
        return http;
    }

    /// <summary>Streams answer with their headers and stay open: the status is read from the headers, then the stream is closed.</summary>
    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string method, string path) => method switch
    {
        "PUT" => await http.PutAsJsonAsync(path, new { text = Texts.DatabaseInterest }),
        "POLICY" => await http.PutAsJsonAsync(path, new { rateLimit = new { maxImmediate = 5, window = "01:00:00" } }),
        "FEEDBACK" => await http.PostAsJsonAsync(path, new { relevant = false }),
        "IMPORT" => await http.PostAsync(path, new StringContent("""{"userId": "imported", "id": "db", "text": "database"}""", Encoding.UTF8, "application/x-ndjson")),
        "SCORE" => await http.PostAsJsonAsync(path, new { texts = new[] { Texts.Unrelated } }),
        "DELETE" => await http.DeleteAsync(path),
        // As a browser's EventSource asks: a refusal must still be its status, with a problem it can read or ignore.
        "SSE" => await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead),
        _ => await http.GetAsync(path),
    };
}
