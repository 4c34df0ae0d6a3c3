using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Server.Options;
using StreamAttention.Silo.Commands;
using Xunit.Abstractions;

namespace StreamAttention.Commands.Tests;

/// <summary>
/// <c>streamattention local</c> as a newcomer sees it: embedded Kafka, a silo, the ingest, the demo users and the
/// sample stream in one host; matches must reach both the users' histories and the output topic.
/// </summary>
public sealed class LocalModeTests(ITestOutputHelper output)
{
    private static readonly string[] DemoUsers = [.. File.ReadLines(TestFiles.Repository("Silos/StreamAttention.Silo/samples/interests.jsonl").FullName)
        .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("userId").GetString()!).Distinct()];

    [Fact]
    public async Task The_sample_stream_produces_matches_for_the_demo_users_on_the_api_and_the_output_topic()
    {
        var port = LoopbackPort.Free();
        var urls = $"http://127.0.0.1:{port}";
        using var kafka = LocalCommand.StartEmbeddedKafka(partitions: 4);
        await using var app = LocalCommand.Build(["--Cluster:SiloPort=" + LoopbackPort.Free(), "--Cluster:GatewayPort=" + LoopbackPort.Free()], urls, kafka.BootstrapServers, messagesPerSecond: 50);
        using var logs = new RecordingLoggerProvider();
        app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        await app.StartAsync();
        // The token local mode prints, signed with its per-start development key.
        var token = LocalCommand.DemoToken(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value);
        Assert.NotNull(token);
        using var http = new HttpClient { BaseAddress = new Uri(urls) }.Authorize(token);
        using var anonymous = new HttpClient { BaseAddress = new Uri(urls) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/users/ops-anna/matches")).StatusCode);
        // One notification, then deferred matches of which the digest lists one and counts the rest: counts that only
        // a write on deactivation would keep (for the stop at the end).
        foreach (var user in DemoUsers)
        {
            using var policy = new StringContent("""{"duplicates": {"enabled": false}, "rateLimit": {"maxImmediate": 1}, "digest": {"digestSize": 1}}""",
                System.Text.Encoding.UTF8, "application/json");
            (await http.PutAsync($"/users/{user}/policy", policy)).EnsureSuccessStatusCode();
        }

        // The demo SRE follows API errors; the sample stream has such messages among others.
        JsonElement matches = default;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            matches = (await http.GetFromJsonAsync<JsonElement>("/users/ops-anna/matches?limit=50")).GetProperty("matches");
            if (matches.GetArrayLength() > 0)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.True(matches.GetArrayLength() > 0, "no match reached the demo user within 90 s");
        output.WriteLine(matches[0].ToString());
        var annasInterests = File.ReadLines(TestFiles.Repository("Silos/StreamAttention.Silo/samples/interests.jsonl").FullName)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(interest => interest.GetProperty("userId").GetString() == "ops-anna")
            .Select(interest => interest.GetProperty("id").GetString())
            .ToHashSet();
        Assert.All(matches.EnumerateArray(), m => Assert.Contains(m.GetProperty("interestId").GetString(), annasInterests));

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "local-mode-test",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
        }).Build();
        consumer.Subscribe("streamattention.matches");
        ConsumeResult<string, string>? published = null;
        var consumeDeadline = DateTime.UtcNow.AddSeconds(60);
        while (published is null && DateTime.UtcNow < consumeDeadline)
        {
            published = consumer.Consume(TimeSpan.FromSeconds(1));
        }
        Assert.NotNull(published);
        using var match = JsonDocument.Parse(published.Message.Value);
        Assert.Equal(published.Message.Key, match.RootElement.GetProperty("userId").GetString());
        Assert.True(match.RootElement.GetProperty("score").GetDouble() > 0);
        consumer.Close();

        // Ready means: model loaded, silo joined, and the ingest's Kafka reachable with its input topic.
        using var ready = await http.GetAsync("/health/ready");
        var health = await ready.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(health.ToString());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("kafka", health.ToString());

        // A stop with users whose digest counts matches no write has carried logs no error and no failed write: the
        // memory storage stops with the silo, so nothing is written to it on the way out.
        var deferredDeadline = DateTime.UtcNow.AddSeconds(60);
        while (!await AnyCountedInDigestAsync(http) && DateTime.UtcNow < deferredDeadline)
        {
            await Task.Delay(500);
        }
        Assert.True(await AnyCountedInDigestAsync(http), "no demo user had two matches deferred to a digest within 60 s");
        var stopping = logs.Logs.Count;
        await app.StopAsync();
        var stopLogs = logs.Logs.Skip(stopping).ToArray();
        Assert.Contains(stopLogs, log => log.Message.Contains("stopped", StringComparison.Ordinal));
        Assert.DoesNotContain(stopLogs, log => log.Level >= LogLevel.Error || log.Message.Contains("failed", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<bool> AnyCountedInDigestAsync(HttpClient http)
    {
        foreach (var user in DemoUsers)
        {
            var deferred = (await http.GetFromJsonAsync<JsonElement>($"/users/{user}/matches?delivery=deferred&limit=2")).GetProperty("matches");
            if (deferred.GetArrayLength() > 1)
            {
                return true;
            }
        }
        return false;
    }

}
