using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Diagnostics;
using StreamAttention.Server.Security;

namespace StreamAttention.Grains.Tests.Security;

/// <summary>The per-caller limits answer 429 / 413 problem details, and what was accepted before the limit stays stored.</summary>
public sealed class LimitsTests(LimitedSiloFixture fixture) : IClassFixture<LimitedSiloFixture>
{
    [Fact]
    public async Task Requests_beyond_the_rate_limit_are_429_and_the_accepted_writes_are_kept()
    {
        var admin = $"admin-{Guid.NewGuid():N}";
        var user = $"rate-{Guid.NewGuid():N}";
        using var http = fixture.As(Roles.TenantAdmin, "acme", admin);
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < LimitedSiloFixture.RequestsPerWindow + 2; i++)
        {
            using var response = await http.PutAsJsonAsync($"/tenants/acme/users/{user}/interests/i{i}", new { text = Texts.DatabaseInterest });
            answers.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await AssertProblemAsync(response, 429);
                Assert.NotNull(response.Headers.RetryAfter);
            }
        }
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Created, LimitedSiloFixture.RequestsPerWindow), answers.Take(LimitedSiloFixture.RequestsPerWindow));
        Assert.All(answers.Skip(LimitedSiloFixture.RequestsPerWindow), a => Assert.Equal(HttpStatusCode.TooManyRequests, a));

        // Another caller (its own limit) sees every accepted write.
        using var other = fixture.As(Roles.TenantAdmin, "acme", $"admin-{Guid.NewGuid():N}");
        var stored = await other.GetFromJsonAsync<JsonObject>($"/tenants/acme/users/{user}/interests");
        Assert.Equal(LimitedSiloFixture.RequestsPerWindow, stored!["interests"]!.AsArray().Count);
    }

    [Fact]
    public async Task Too_many_texts_or_too_large_a_body_is_413()
    {
        using var http = fixture.As(Roles.Operator, null, $"operator-{Guid.NewGuid():N}");
        using var tooMany = await http.PostAsJsonAsync("/score", new { texts = Enumerable.Repeat(Texts.Unrelated, LimitedSiloFixture.MaxScoreTexts + 1) });
        Assert.StartsWith($"texts holds {LimitedSiloFixture.MaxScoreTexts + 1} strings", await AssertProblemAsync(tooMany, 413));
        using var tooLarge = await http.PostAsJsonAsync("/score", new { texts = new[] { new string('a', LimitedSiloFixture.MaxRequestBodyBytes) } });
        Assert.Equal($"The request body is larger than {LimitedSiloFixture.MaxRequestBodyBytes:N0} bytes, the most allowed here (Limits:MaxRequestBodyBytes).",
            await AssertProblemAsync(tooLarge, 413));
        using var allowed = await http.PostAsJsonAsync("/score", new { texts = Enumerable.Repeat(Texts.Unrelated, LimitedSiloFixture.MaxScoreTexts) });
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task A_large_import_body_is_413()
    {
        using var http = fixture.As(Roles.TenantAdmin, "acme", $"admin-{Guid.NewGuid():N}");
        var body = string.Concat(Enumerable.Range(0, 100).Select(i => $"{{\"userId\": \"big\", \"id\": \"i{i}\", \"text\": \"{Texts.DatabaseInterest}\"}}\n"));
        using var response = await http.PostAsync("/tenants/acme/interests:import", new StringContent(body, Encoding.UTF8, "application/x-ndjson"));
        Assert.StartsWith("The request body is larger than", await AssertProblemAsync(response, 413));
    }

    [Fact]
    public async Task A_users_interest_policy_or_feedback_larger_than_the_users_body_limit_is_413()
    {
        var user = $"user-{Guid.NewGuid():N}";
        using var http = fixture.As(Roles.User, "acme", user);
        // Within the bulk limit (/score takes it), beyond the user's: any user may send these, many at once.
        var large = new string('a', (LimitedSiloFixture.MaxUserRequestBodyBytes + LimitedSiloFixture.MaxRequestBodyBytes) / 2);

        using var interest = await http.PutAsJsonAsync($"/users/{user}/interests/big", new { text = large });
        using var policy = await http.PutAsJsonAsync($"/users/{user}/policy", new { mutes = new[] { new { term = large, until = DateTimeOffset.MaxValue } } });
        using var feedback = await http.PostAsJsonAsync($"/users/{user}/matches/m1/feedback", new { relevant = large });

        var detail = $"The request body is larger than {LimitedSiloFixture.MaxUserRequestBodyBytes:N0} bytes, the most allowed here (Limits:MaxUserRequestBodyBytes).";
        Assert.Equal(detail, await AssertProblemAsync(interest, 413));
        Assert.Equal(detail, await AssertProblemAsync(policy, 413));
        Assert.Equal(detail, await AssertProblemAsync(feedback, 413));
    }

    [Fact]
    public async Task Streams_beyond_the_callers_limit_are_429_with_a_retry_after_of_one_keep_alive_and_take_no_share_of_its_window()
    {
        var subject = $"streamer-{Guid.NewGuid():N}";
        using var http = fixture.As(Roles.User, "acme", subject);
        // A stream is for a user with interests (another's is 404).
        (await http.PutAsJsonAsync($"/users/{subject}/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < LimitedSiloFixture.StreamsPerCaller; i++)
            {
                open.Add(await OpenStreamAsync(http, $"/users/{subject}/matches/stream"));
                Assert.Equal(HttpStatusCode.OK, open[^1].StatusCode);
            }
            using var refused = await OpenStreamAsync(http, $"/users/{subject}/matches/stream");
            Assert.Equal($"This caller has {LimitedSiloFixture.StreamsPerCaller} live streams open, the most it may (Limits:StreamsPerCaller); close one and retry.",
                await AssertProblemAsync(refused, 429));
            // A stream whose client vanished is noticed at its next keep-alive (Dashboard:StreamKeepAlive, 15 s by default), so its place is free by then.
            Assert.Equal(TimeSpan.FromSeconds(15), refused.Headers.RetryAfter?.Delta);

            // A refused opening takes no share of the caller's window: after a window's worth of them the caller, with
            // 1 + StreamsPerCaller of its 5 shares used, is still served.
            for (var i = 0; i < LimitedSiloFixture.RequestsPerWindow; i++)
            {
                using var again = await OpenStreamAsync(http, $"/users/{subject}/matches/stream");
                Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
            }
            using var served = await http.GetAsync($"/users/{subject}/interests");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        finally
        {
            open.ForEach(r => r.Dispose());
        }
    }

    [Fact]
    public async Task Stream_openings_use_up_the_callers_window_a_closed_stream_frees_its_place_not_its_share_and_another_caller_is_served()
    {
        var subject = $"opener-{Guid.NewGuid():N}";
        using var http = fixture.As(Roles.User, "acme", subject);
        (await http.PutAsJsonAsync($"/users/{subject}/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        // The rest of the window (4), opened and closed one at a time: more openings than the caller may hold at once
        // (2), so the later ones open in places that closed streams freed.
        for (var i = 1; i < LimitedSiloFixture.RequestsPerWindow; i++)
        {
            using var stream = await OpenStreamWhenAPlaceIsFreeAsync(http, $"/users/{subject}/matches/stream");
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        }

        // Every place is free again (or soon), the window is not: the next opening and the next request are refused by it.
        using var refusedStream = await OpenStreamWhenAPlaceIsFreeAsync(http, $"/users/{subject}/matches/stream");
        Assert.StartsWith("Too many requests from this caller; retry in", await AssertProblemAsync(refusedStream, 429));
        Assert.NotNull(refusedStream.Headers.RetryAfter);
        using var refused = await http.GetAsync($"/users/{subject}/interests");
        Assert.StartsWith("Too many requests from this caller; retry in", await AssertProblemAsync(refused, 429));
        Assert.NotNull(refused.Headers.RetryAfter);

        var other = $"other-{Guid.NewGuid():N}";
        using var otherHttp = fixture.As(Roles.User, "acme", other);
        using var served = await otherHttp.PutAsJsonAsync($"/users/{other}/interests/db", new { text = Texts.DatabaseInterest });
        Assert.Equal(HttpStatusCode.Created, served.StatusCode);
        using var otherStream = await OpenStreamWhenAPlaceIsFreeAsync(otherHttp, $"/users/{other}/matches/stream");
        Assert.Equal(HttpStatusCode.OK, otherStream.StatusCode);
    }

    [Fact]
    public async Task Requests_beyond_the_callers_concurrent_limit_are_429_while_another_caller_is_served()
    {
        var subject = $"holder-{Guid.NewGuid():N}";
        var token = TestAuth.Token(Roles.User, "acme", subject);
        // Counted by the limit that refused it, under (other): the fixture's settings name no tenant.
        var refusedSeries = (InstrumentNames.HttpRefusedRequests, HttpInstruments.ConcurrentRequestsPerCaller, MeteredTenants.Other);
        var before = fixture.Counters.Totals(fixture.Services)[refusedSeries];
        var held = new List<TcpClient>();
        try
        {
            // Each request waits for the server's 100 Continue before its body: sent once the endpoint starts reading
            // the body, so past the limiter, holding its place until the body comes (a slow client).
            for (var i = 0; i < LimitedSiloFixture.ConcurrentRequestsPerCaller; i++)
            {
                held.Add(await HoldRequestAsync(token, $"/users/{subject}/interests/held{i}"));
            }
            using var http = fixture.As(Roles.User, "acme", subject);
            using var refused = await http.PutAsJsonAsync($"/users/{subject}/interests/refused", new { text = Texts.DatabaseInterest });
            Assert.Equal($"This caller has {LimitedSiloFixture.ConcurrentRequestsPerCaller} requests in progress, the most it may (Limits:ConcurrentRequestsPerCaller); retry when one is done.",
                await AssertProblemAsync(refused, 429));

            var other = $"other-{Guid.NewGuid():N}";
            using var otherHttp = fixture.As(Roles.User, "acme", other);
            using var served = await otherHttp.PutAsJsonAsync($"/users/{other}/interests/db", new { text = Texts.DatabaseInterest });
            Assert.Equal(HttpStatusCode.Created, served.StatusCode);
        }
        finally
        {
            held.ForEach(client => client.Dispose());
        }
        Assert.Equal(before + 1, fixture.Counters.Totals(fixture.Services)[refusedSeries]);
    }

    private static Task<HttpResponseMessage> OpenStreamAsync(HttpClient http, string path)
        => http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead);

    /// <summary>
    /// Opens a live stream, again while the caller's open-streams cap refuses it: a stream closed just before is freed
    /// once the silo notices its client went away. A refusal by the cap takes no share of the caller's window.
    /// </summary>
    private static async Task<HttpResponseMessage> OpenStreamWhenAPlaceIsFreeAsync(HttpClient http, string path)
    {
        while (true)
        {
            var response = await OpenStreamAsync(http, path);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || !(await response.Content.ReadAsStringAsync()).Contains("(Limits:StreamsPerCaller)", StringComparison.Ordinal))
            {
                return response;
            }
            response.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>Sends a <c>PUT</c>'s head with <c>Expect: 100-continue</c> and returns once the server asked for the body, which is never sent.</summary>
    private async Task<TcpClient> HoldRequestAsync(string token, string path)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", fixture.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            + "Content-Type: application/json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"));
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && await stream.ReadAsync(buffer) == 1)
        {
            head.Append((char)buffer[0]);
        }
        Assert.StartsWith("HTTP/1.1 100 ", head.ToString());
        return client;
    }

    /// <returns>The problem's detail.</returns>
    private static async Task<string?> AssertProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(status, (int)problem["status"]!);
        Assert.StartsWith("https://tools.ietf.org/html/", (string?)problem["type"]);
        return (string?)problem["detail"];
    }
}
