using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>Tokens and API keys that must be refused, with a 401 saying why; and the ways a valid one may travel.</summary>
public sealed class TokenTests(SecuredSiloFixture fixture) : IClassFixture<SecuredSiloFixture>
{
    private const string Path = "/tenants/acme/users/alice/interests";

    public static TheoryData<string, string> Refused => new()
    {
        { "tampered", Tampered(TestAuth.Token(Roles.User, "acme", "alice")) },
        { "expired", TestAuth.Token(Roles.User, "acme", "alice", lifetime: TimeSpan.FromMinutes(5), now: DateTime.UtcNow.AddHours(-2)) },
        { "wrong audience", TestAuth.Token(Roles.User, "acme", "alice", audience: "another-service") },
        { "other key", new TokenIssuer(new Server.Options.AuthOptions { SigningKey = TokenIssuer.NewSigningKey() }).Issue(Roles.Operator, null, "mallory", TimeSpan.FromHours(1)) },
        { "garbage", "not-a-token" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Bad_tokens_are_refused_with_a_problem(string kind, string token)
    {
        using var http = fixture.CreateClient(token);
        using var response = await http.GetAsync(Path);
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{kind}: {(int)response.StatusCode}");
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(401, (int)problem!["status"]!);
        Assert.Contains("bearer token", (string?)problem["detail"]);
        Assert.Equal(["Bearer", "ApiKey"], response.Headers.WwwAuthenticate.Select(h => h.Scheme));
    }

    [Fact]
    public async Task A_token_signed_with_an_accepted_key_is_accepted_beside_the_signing_keys()
    {
        // Mid-rotation: tokens given out with the earlier key and with the current one both reach the silo.
        var earlier = new TokenIssuer(new Server.Options.AuthOptions { SigningKey = SecuredSiloFixture.AcceptedSigningKey }).Issue(Roles.User, "acme", "alice", TimeSpan.FromHours(1));
        using var withEarlier = fixture.CreateClient(earlier);
        using var withCurrent = fixture.CreateClient(TestAuth.Token(Roles.User, "acme", "alice"));

        Assert.Equal(HttpStatusCode.OK, (await withEarlier.GetAsync(Path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withCurrent.GetAsync(Path)).StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_named_as_such()
    {
        using var http = fixture.CreateClient(TestAuth.Token(Roles.User, "acme", "alice", lifetime: TimeSpan.FromMinutes(5), now: DateTime.UtcNow.AddHours(-2)));
        var problem = await (await http.GetAsync(Path)).Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("expired", (string?)problem!["detail"]);
    }

    [Fact]
    public async Task A_user_token_without_a_tenant_reaches_its_own_user_without_a_tenant_only()
    {
        using var http = fixture.CreateClient(TestAuth.Token(Roles.User, null, "solo"));

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/users/solo/interests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/users/other/interests")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/tenants/acme/users/solo/interests")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_api_key_is_refused()
    {
        using var http = fixture.CreateClient(null);
        http.DefaultRequestHeaders.Add(ApiKeyAuthenticationHandler.HeaderName, "guessed-key");
        using var response = await http.GetAsync(Path);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Unknown API key", (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.NotEmpty(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task An_api_key_may_come_in_the_authorization_header()
    {
        using var http = fixture.CreateClient(null);
        http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"ApiKey {SecuredSiloFixture.AcmeServiceKey}");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Path)).StatusCode);
    }

    [Fact]
    public async Task A_stream_takes_its_token_from_the_query_but_a_write_or_another_read_does_not()
    {
        var token = TestAuth.Token(Roles.User, "acme", "alice");
        using var http = fixture.CreateClient(null);
        // A user's stream is 404 while the user has no interests.
        using var alice = fixture.As(Roles.User, "acme", "alice");
        (await alice.PutAsJsonAsync($"{Path}/seed", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        using var stream = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"{Path[..^"/interests".Length]}/matches/stream?access_token={token}"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        using var write = await http.PutAsJsonAsync($"{Path}/q?access_token={token}", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        // Nor does a read that is no stream (a token in its URL would end in logs for nothing), nor the cookie outside the Orleans dashboard.
        using var read = await http.GetAsync($"{Path}?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        // Not even a read whose path ends as a stream's does: an interest named "stream".
        using var namedStream = await http.GetAsync($"{Path}/stream?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, namedStream.StatusCode);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, Path);
        withCookie.Headers.Add("Cookie", $"{SecurityHostingExtensions.TokenCookie}={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(withCookie)).StatusCode);
    }

    /// <summary>
    /// A stream ends when its token expires (README, live streams), as every other request with that token is refused
    /// from then on; opening it again with that token is refused as expired.
    /// </summary>
    [Fact]
    public async Task An_open_stream_ends_when_its_token_expires_and_reopening_it_with_that_token_is_refused()
    {
        var user = $"expiring-{Guid.NewGuid():N}";
        using var owner = fixture.As(Roles.User, "acme", user);
        (await owner.PutAsJsonAsync($"/users/{user}/interests/db", new { text = Texts.DatabaseInterest, threshold = 0.5 })).EnsureSuccessStatusCode();
        // Valid for ten seconds more, the silo's clock skew included.
        var token = TestAuth.Token(Roles.User, "acme", user, lifetime: TimeSpan.FromSeconds(10), now: DateTime.UtcNow - TestAuth.Options.ClockSkew);
        var streamPath = $"/tenants/acme/users/{user}/matches/stream?access_token={token}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        using var anonymous = fixture.CreateClient(null);
        using var stream = await anonymous.SendAsync(new HttpRequestMessage(HttpMethod.Get, streamPath), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);

        // Without the end, the stream's keep-alives go on until the timeout cancels the read.
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync(timeout.Token));
        while (await events.ReadLineAsync(timeout.Token) is not null)
        {
        }

        using var reopened = await anonymous.GetAsync(streamPath, timeout.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, reopened.StatusCode);
        Assert.Contains("expired", (string?)(await reopened.Content.ReadFromJsonAsync<JsonObject>(timeout.Token))!["detail"]);
    }

    /// <summary>The payload with one claim changed (alice becomes an operator), the signature kept.</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = JsonNode.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]))!;
        payload["role"] = Roles.Operator;
        return $"{parts[0]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload.ToJsonString())}.{parts[2]}";
    }
}
