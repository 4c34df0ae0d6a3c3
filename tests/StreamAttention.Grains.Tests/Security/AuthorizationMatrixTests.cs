using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>
/// Route × caller: what each caller gets (200, 401 or 403) on every route the silo maps, one row per route (method and
/// pattern), so a route added without a row fails <see cref="Every_route_of_the_silo_has_a_row"/>. Callers: acme's user
/// alice, acme's user bob (the wrong user), globex's user alice (the same id in the wrong tenant), acme's and globex's
/// tenant-admins, acme's service API key (a tenant-admin), an operator, and no credentials. Each request uses a caller
/// of its own (a fresh subject where the subject does not matter), so the fixture's per-caller rate limit is never reached.
/// </summary>
public sealed class AuthorizationMatrixTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    public enum Who
    {
        Anonymous,
        Alice,
        Bob,
        GlobexAlice,
        AcmeAdmin,
        GlobexAdmin,
        AcmeServiceKey,
        Operator,
    }

    private const HttpStatusCode Ok = HttpStatusCode.OK;
    private const HttpStatusCode Unauthorized = HttpStatusCode.Unauthorized;
    private const HttpStatusCode Forbidden = HttpStatusCode.Forbidden;
    private const HttpStatusCode NotFound = HttpStatusCode.NotFound;
    private const HttpStatusCode BadRequest = HttpStatusCode.BadRequest;

    /// <summary>A row whose route is no endpoint: the dashboard's page, served by the static-files middleware.</summary>
    private const string StaticFiles = "static files";

    /// <summary>Acme's alice (<c>/tenants/acme/users/alice/…</c>): she, acme's admins and operators.</summary>
    private static readonly HttpStatusCode[] AcmeAlice = [Unauthorized, Ok, Forbidden, Forbidden, Ok, Forbidden, Ok, Ok];

    /// <summary>
    /// The caller's own tenant's alice (<c>/users/alice/…</c>): each alice reaches herself, each tenant's admin its
    /// tenant's alice, an operator (no tenant claim) the alice without a tenant; bob is not alice.
    /// </summary>
    private static readonly HttpStatusCode[] OwnTenantsAlice = [Unauthorized, Ok, Forbidden, Ok, Ok, Ok, Ok, Ok];

    /// <summary>Acme as a whole (its import, its stream): acme's admins and operators.</summary>
    private static readonly HttpStatusCode[] AcmeTenant = [Unauthorized, Forbidden, Forbidden, Forbidden, Ok, Forbidden, Ok, Ok];

    /// <summary>Every tenant (<c>/score</c>, everyone's stream, metrics, statistics, the Orleans dashboard): operators only.</summary>
    private static readonly HttpStatusCode[] OperatorOnly = OperatorOnlyAnswering(Ok);

    /// <summary>Operators only, let through to a handler that answers the request with <paramref name="answer"/> (a file or silo that is not there).</summary>
    private static HttpStatusCode[] OperatorOnlyAnswering(HttpStatusCode answer) => [Unauthorized, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, Forbidden, answer];

    /// <summary>No data (probes, the OpenAPI document, the dashboard's page): everyone, with or without credentials.</summary>
    private static readonly HttpStatusCode[] Everyone = [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];

    /// <summary>
    /// The route (method and pattern, as the silo maps it), the request sent (a method, or how the body is made), the
    /// path it is sent to, and the answer for each <see cref="Who"/> in order.
    /// </summary>
    public static TheoryData<string, string, string, HttpStatusCode[]> Matrix => new()
    {
        { "GET /tenants/{tenant}/users/{userId}/interests", "GET", "/tenants/acme/users/alice/interests", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/interests/{interestId}", "GET", "/tenants/acme/users/alice/interests/seed", AcmeAlice },
        { "PUT /tenants/{tenant}/users/{userId}/interests/{interestId}", "PUT", "/tenants/acme/users/alice/interests/matrix", AcmeAlice },
        { "DELETE /tenants/{tenant}/users/{userId}/interests/{interestId}", "DELETE", "/tenants/acme/users/alice/interests/seed", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/matches", "GET", "/tenants/acme/users/alice/matches", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/matches/stream", "SSE", "/tenants/acme/users/alice/matches/stream", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/policy", "GET", "/tenants/acme/users/alice/policy", AcmeAlice },
        { "PUT /tenants/{tenant}/users/{userId}/policy", "POLICY", "/tenants/acme/users/alice/policy", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/digests", "GET", "/tenants/acme/users/alice/digests", AcmeAlice },
        { "GET /tenants/{tenant}/users/{userId}/feedback", "GET", "/tenants/acme/users/alice/feedback", AcmeAlice },
        // 404: let through, and alice has no match "none".
        { "POST /tenants/{tenant}/users/{userId}/matches/{matchId}/feedback", "FEEDBACK", "/tenants/acme/users/alice/matches/none/feedback",
            [Unauthorized, NotFound, Forbidden, Forbidden, NotFound, Forbidden, NotFound, NotFound] },
        { "GET /tenants/{tenant}/users/{userId}/export", "GET", "/tenants/acme/users/alice/export", AcmeAlice },
        { "DELETE /tenants/{tenant}/users/{userId}/", "DELETE", "/tenants/acme/users/alice", AcmeAlice },
        { "GET /users/{userId}/interests", "GET", "/users/alice/interests", OwnTenantsAlice },
        { "GET /users/{userId}/interests/{interestId}", "GET", "/users/alice/interests/seed", OwnTenantsAlice },
        { "PUT /users/{userId}/interests/{interestId}", "PUT", "/users/alice/interests/matrix", OwnTenantsAlice },
        { "DELETE /users/{userId}/interests/{interestId}", "DELETE", "/users/alice/interests/seed", OwnTenantsAlice },
        { "GET /users/{userId}/matches", "GET", "/users/alice/matches", OwnTenantsAlice },
        { "GET /users/{userId}/matches/stream", "SSE", "/users/alice/matches/stream", OwnTenantsAlice },
        { "GET /users/{userId}/policy", "GET", "/users/alice/policy", OwnTenantsAlice },
        { "PUT /users/{userId}/policy", "POLICY", "/users/alice/policy", OwnTenantsAlice },
        { "GET /users/{userId}/digests", "GET", "/users/alice/digests", OwnTenantsAlice },
        { "GET /users/{userId}/feedback", "GET", "/users/alice/feedback", OwnTenantsAlice },
        { "POST /users/{userId}/matches/{matchId}/feedback", "FEEDBACK", "/users/alice/matches/none/feedback",
            [Unauthorized, NotFound, Forbidden, NotFound, NotFound, NotFound, NotFound, NotFound] },
        { "GET /users/{userId}/export", "GET", "/users/alice/export", OwnTenantsAlice },
        { "DELETE /users/{userId}/", "DELETE", "/users/alice", OwnTenantsAlice },
        { "POST /tenants/{tenant}/interests:import", "IMPORT", "/tenants/acme/interests:import", AcmeTenant },
        // The caller's own tenant: each tenant's admin imports into its tenant, an operator the users without one.
        { "POST /interests:import", "IMPORT", "/interests:import", [Unauthorized, Forbidden, Forbidden, Forbidden, Ok, Ok, Ok, Ok] },
        { "GET /tenants/{tenant}/matches/stream", "SSE", "/tenants/acme/matches/stream", AcmeTenant },
        { "GET /tenants/{tenant}/usage", "GET", "/tenants/acme/usage", AcmeTenant },
        { "GET /tenants/{tenant}/export", "GET", "/tenants/acme/export", AcmeTenant },
        // The users without a tenant as a whole: no tenant's admin reaches them.
        { "GET /users:usage", "GET", "/users:usage", OperatorOnly },
        { "GET /users:export", "GET", "/users:export", OperatorOnly },
        { "GET /matches/stream", "SSE", "/matches/stream", OperatorOnly },
        { "POST /score", "SCORE", "/score", OperatorOnly },
        { "GET /dashboard/stats", "GET", "/dashboard/stats", OperatorOnly },
        { "* /metrics", "GET", "/metrics", OperatorOnly },
        { "* /health/live", "GET", "/health/live", Everyone },
        { "* /health/ready", "GET", "/health/ready", Everyone },
        { "GET /openapi/{documentName}.json", "GET", "/openapi/v1.json", Everyone },
        // The root redirects to the dashboard's page, which needs no credentials; the page's calls do.
        { "GET /", "GET", "/", Everyone },
        { StaticFiles, "GET", "/dashboard/", Everyone },
        // The Orleans dashboard (Dashboard:OrleansDashboard): its page, files and calls.
        { "GET /orleans/", "GET", "/orleans/", OperatorOnly },
        { "GET /orleans/index.html", "GET", "/orleans/index.html", OperatorOnly },
        { "GET /orleans/index.css", "GET", "/orleans/index.css", OperatorOnly },
        { "GET /orleans/index.min.js", "GET", "/orleans/index.min.js", OperatorOnly },
        { "GET /orleans/favicon.ico", "GET", "/orleans/favicon.ico", OperatorOnly },
        { "GET /orleans/fonts/{**path}", "GET", "/orleans/fonts/none.woff", OperatorOnlyAnswering(NotFound) },
        { "GET /orleans/img/{**path}", "GET", "/orleans/img/none.png", OperatorOnlyAnswering(NotFound) },
        { "GET /orleans/version", "GET", "/orleans/version", OperatorOnly },
        { "GET /orleans/DashboardCounters", "GET", "/orleans/DashboardCounters", OperatorOnly },
        { "GET /orleans/ClusterStats", "GET", "/orleans/ClusterStats", OperatorOnly },
        { "GET /orleans/GrainTypes", "GET", "/orleans/GrainTypes", OperatorOnly },
        { "GET /orleans/GrainState", "GET", "/orleans/GrainState", OperatorOnly },
        { "GET /orleans/GrainStats/{*grainName}", "GET", "/orleans/GrainStats/none", OperatorOnly },
        { "GET /orleans/TopGrainMethods", "GET", "/orleans/TopGrainMethods", OperatorOnly },
        { "GET /orleans/LifecycleStages", "GET", "/orleans/LifecycleStages", OperatorOnly },
        { "GET /orleans/Reminders", "GET", "/orleans/Reminders", OperatorOnly },
        { "GET /orleans/Reminders/{page:int}", "GET", "/orleans/Reminders/1", OperatorOnly },
        { "GET /orleans/HistoricalStats/{*path}", "GET", "/orleans/HistoricalStats/not-a-silo", OperatorOnlyAnswering(BadRequest) },
        { "GET /orleans/SiloCounters/{*address}", "GET", "/orleans/SiloCounters/not-a-silo", OperatorOnlyAnswering(BadRequest) },
        { "GET /orleans/SiloMetadata/{*address}", "GET", "/orleans/SiloMetadata/not-a-silo", OperatorOnlyAnswering(BadRequest) },
        { "GET /orleans/SiloProperties/{*address}", "GET", "/orleans/SiloProperties/not-a-silo", OperatorOnlyAnswering(BadRequest) },
        { "GET /orleans/SiloStats/{*address}", "GET", "/orleans/SiloStats/not-a-silo", OperatorOnlyAnswering(BadRequest) },
        // The silo's log lines as they are written, for as long as it is open.
        { "GET /orleans/Trace", "SSE", "/orleans/Trace", OperatorOnly },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_caller_gets_the_expected_answer(string route, string request, string path, HttpStatusCode[] expected)
    {
        Assert.Equal(Enum.GetValues<Who>().Length, expected.Length);
        foreach (var who in Enum.GetValues<Who>())
        {
            // Before each caller, as a caller before it may have deleted it: the seed interest, and with it a user whose
            // stream is not 404 (a user without interests has none): acme's alice, globex's and the operator's (no tenant).
            foreach (var user in new[] { "/tenants/acme/users/alice", "/tenants/globex/users/alice", "/users/alice" })
            {
                using var seed = Client(Who.Operator);
                (await seed.PutAsJsonAsync($"{user}/interests/seed", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
            }
            using var http = Client(who);
            using var response = await SendAsync(http, request, path);
            // "OK" stands for any success (a PUT answers 201 the first time, 200 after; a DELETE 204; the root a redirect that is followed).
            var answer = response.IsSuccessStatusCode ? Ok : response.StatusCode;
            Assert.True(expected[(int)who] == answer, $"{who} {request} {path} ({route}): expected {(int)expected[(int)who]}, got {(int)response.StatusCode}");
            if (response.StatusCode is Unauthorized or Forbidden)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
                Assert.Equal((int)response.StatusCode, (int)problem!["status"]!);
                // Each says why, a 403 too (the role needed, or whose data the caller may reach).
                Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"{who} {request} {path}: a {(int)response.StatusCode} without a detail");
            }
        }
    }

    /// <summary>
    /// The matrix and the silo's endpoints name the same routes: a new route fails here until its row says who may call
    /// it (and the matrix checks that they, and only they, can), and a row of a route that is gone fails too.
    /// </summary>
    [Fact]
    public void Every_route_of_the_silo_has_a_row()
    {
        var mapped = fixture.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["*"])
                .Select(method => $"{method} {endpoint.RoutePattern.RawText}"))
            .ToHashSet();
        var rows = Matrix.Select(row => (string)row[0]).Where(route => route != StaticFiles).ToHashSet();

        Assert.True(mapped.SetEquals(rows), $"Routes without a row: {string.Join(", ", mapped.Except(rows).Order())}; rows of no route: {string.Join(", ", rows.Except(mapped).Order())}");
    }

    private HttpClient Client(Who who)
    {
        var unique = Guid.NewGuid().ToString("N");
        return who switch
        {
            Who.Anonymous => fixture.CreateClient(null),
            Who.Alice => fixture.As(Roles.User, "acme", "alice"),
            Who.Bob => fixture.As(Roles.User, "acme", "bob"),
            Who.GlobexAlice => fixture.As(Roles.User, "globex", "alice"),
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
    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string request, string path) => request switch
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
