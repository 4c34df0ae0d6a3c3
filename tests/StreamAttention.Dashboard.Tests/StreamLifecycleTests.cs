using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

/// <summary>Live streams on a host of their own: one whose client queues hold a single match, one that stops.</summary>
public sealed class StreamLifecycleTests(StreamLifecycleTests.Host host) : IClassFixture<StreamLifecycleTests.Host>
{
    private static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_client_that_fell_behind_is_told_how_many_matches_it_lost()
    {
        (await host.Http.PutAsJsonAsync("/users/behind/interests/db", new { text = Texts.DatabaseInterest })).EnsureSuccessStatusCode();
        using var timeout = new CancellationTokenSource(StreamTimeout);
        await using var stream = await ServerSentEvents.OpenAsync(host.Http, "/users/behind/matches/stream", timeout.Token);
        var texts = Enumerable.Range(0, 20).Select(i => $"{Texts.DatabaseMessage} on db-{i}").ToArray();

        // One batch: its 20 matches reach the client's queue (one match) at once, faster than any client reads.
        using var response = await host.Http.PostAsJsonAsync("/score", new { texts, userId = "behind" });
        var ids = (await response.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonObject>())!["matches"]!.AsArray().Select(m => (string?)m!["matchId"]).ToArray();
        Assert.Equal(20, ids.Length);

        var dropped = 0L;
        var received = new List<string?>();
        while (received.LastOrDefault() != ids[^1])
        {
            var (type, data) = await stream.NextAsync(timeout.Token);
            if (type == "gap")
            {
                dropped += (long)data["dropped"]!;
            }
            else
            {
                received.Add(stream.EventId);
            }
        }
        Assert.InRange(dropped, 1, 19);
        Assert.Equal(20, dropped + received.Count);
        Assert.Equal(ids.Where(received.Contains), received);
    }

    [Fact]
    public async Task A_stopping_silo_ends_its_open_streams()
    {
        var stopping = new SiloHostFixture();
        await stopping.InitializeAsync();
        using var timeout = new CancellationTokenSource(StreamTimeout);
        using var client = stopping.CreateClient(TestAuth.OperatorToken);
        using var response = await ServerSentEvents.OpenResponseAsync(client, "/matches/stream", timeout.Token);
        Assert.Equal(["no"], response.Headers.GetValues("X-Accel-Buffering"));
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));

        var stopped = stopping.DisposeAsync();

        // The stream ends (the server completes the response) instead of holding the stop until the server cuts it.
        Assert.Null(await body.ReadLineAsync(timeout.Token));
        await stopped;
    }

    public sealed class Host : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => ["--Dashboard:StreamQueueCapacity=1"];
    }
}
