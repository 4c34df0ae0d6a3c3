using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace StreamAttention.Silos.MultiProcess.Tests;

/// <summary>
/// Silos as separate processes joined through a real redis-server, which also stores the grain state: a silo killed
/// with kill -9 loses nothing, and the interests outlive every silo.
/// </summary>
public sealed class RedisClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int UserCount = 40;
    private const int InterestsPerUser = 3;
    private const float ScoreTolerance = 1e-3f;
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Distinct topics; message i contains topic i verbatim, so each interest matches its topic's message far above the threshold.</summary>
    private static readonly string[] Topics =
    [
        "postgresql database performance tuning", "formula one racing", "chocolate cake recipes",
        "stock market investing", "electric cars and batteries", "jazz music concerts",
    ];

    private static readonly string[] Messages = Topics.Select(topic => $"a long thread about {topic} this week").ToArray();

    private static readonly string[] Users = Enumerable.Range(0, UserCount).Select(i => $"user-{i:D2}").ToArray();

    private readonly List<SiloProcess> _silos = [];
    private RedisServer? _redis;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    [Fact]
    public async Task Every_users_interests_score_through_the_survivor_after_a_silo_is_killed_and_its_dashboard_pages_name_it_dead()
    {
        var (survivor, victim) = await StartTwoSilosAsync("--Dashboard:OrleansDashboard=true");
        var victimAddress = await SiloAddressAsync(victim);
        // Through the silo to be killed: the user grains activate there, and the shards they register with are
        // placed near their first caller, so the kill takes a good part of the cluster's activations with it.
        await ImportAsync(victim);
        var before = await ScoreAsync(victim);
        AssertEveryInterestMatchesItsTopic(before);
        AssertSameMatches(before, await ScoreAsync(survivor));

        victim.Kill();
        var clock = Stopwatch.StartNew();
        var attempts = await ScoreUntilSameAsync(survivor, before);

        output.WriteLine($"after kill -9 of one of two silos, the survivor scored all {UserCount * InterestsPerUser} interests "
            + $"({before.Count} matches) again after {clock.Elapsed.TotalSeconds:F1} s ({attempts} attempts)");

        // The survivor declared it dead (its grains came back): the Orleans dashboard's pages of it say so, not a bare 503.
        using var page = await survivor.Http.GetAsync($"/orleans/SiloStats/{victimAddress}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, page.StatusCode);
        Assert.Equal("application/problem+json", page.Content.Headers.ContentType?.MediaType);
        var problem = (await page.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains($"Silo {victimAddress} is Dead", problem);
    }

    [Fact]
    public async Task Interests_outlive_every_silo_in_Redis()
    {
        var (first, second) = await StartTwoSilosAsync();
        await ImportAsync(first);
        var before = await ScoreAsync(first);
        var stored = await GetInterestsAsync(first);

        await Task.WhenAll(first.StopAsync(), second.StopAsync());
        var restarted = await StartSiloAsync("restarted");

        Assert.Equal(stored, await GetInterestsAsync(restarted));
        AssertSameMatches(before, await ScoreAsync(restarted));
    }

    [Fact]
    public async Task A_silo_whose_Redis_was_flushed_stops_within_its_shutdown_timeout_and_says_what_it_could_not_do()
    {
        var silo = await StartSiloAsync("flushed", "--Cluster:ShutdownTimeout=00:00:05");
        await _redis!.FlushAllAsync();

        // Orleans alone retried its membership writes for about two minutes, past SiloProcess' stop timeout.
        var (exitCode, errors) = await silo.TerminateAsync();

        Assert.Equal(3, exitCode);
        Assert.Contains("did not stop within its shutdown timeout (00:00:05: Cluster:ShutdownTimeout) and exits: its row in the cluster's membership table is gone", errors);
    }

    [Fact]
    public async Task Local_mode_whose_Redis_was_flushed_stops_within_its_shutdown_and_drain_timeouts_and_names_both()
    {
        // local with Redis clustering: its silo meets the same lost table, and its stop drains the ingest first.
        var local = await SiloProcess.StartLocalAsync("local", [.. _redis!.ClusteringConfiguration, "--Cluster:ShutdownTimeout=00:00:05", "--Ingest:DrainTimeout=00:00:01"]);
        _silos.Add(local);
        await _redis.FlushAllAsync();

        var (exitCode, errors) = await local.TerminateAsync();

        Assert.Equal(3, exitCode);
        Assert.Contains("did not stop within its shutdown timeout (00:00:06: Cluster:ShutdownTimeout 00:00:05 plus Ingest:DrainTimeout 00:00:01, as the ingest drains first) "
            + "and exits: its row in the cluster's membership table is gone", errors);
    }

    public Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
        _redis?.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(SiloProcess, SiloProcess)> StartTwoSilosAsync(params string[] configuration)
    {
        var silos = await Task.WhenAll(StartSiloAsync("first", configuration), StartSiloAsync("second", configuration));
        return (silos[0], silos[1]);
    }

    /// <summary>The silo's address as the Orleans dashboard names it (ip:port@generation), from its readiness report's "S{ip}:{port}:{generation}".</summary>
    private static async Task<string> SiloAddressAsync(SiloProcess silo)
    {
        // Whether or not every check is ready yet (503): the silo check's data names the silo either way.
        using var ready = await silo.Http.GetAsync("/health/ready");
        var report = await ready.Content.ReadFromJsonAsync<JsonElement>();
        var address = report.GetProperty("checks").GetProperty("silo").GetProperty("data").GetProperty("silo").GetString()!;
        return Regex.Replace(address, @"^S(?<endpoint>.+):(?<generation>\d+)$", "${endpoint}@${generation}");
    }

    private async Task<SiloProcess> StartSiloAsync(string name, params string[] configuration)
    {
        var silo = await SiloProcess.StartAsync(name, [.. _redis!.ClusteringConfiguration, .. configuration]);
        lock (_silos)
        {
            _silos.Add(silo);
        }
        return silo;
    }

    /// <summary>User i follows topics i, i+1 and i+2 (mod the topic count) with ids "t{topic}", in one bulk import.</summary>
    private static async Task ImportAsync(SiloProcess silo)
    {
        var lines = Users.SelectMany((user, i) => Enumerable.Range(i, InterestsPerUser)
            .Select(t => JsonSerializer.Serialize(new { userId = user, id = $"t{t % Topics.Length}", text = Topics[t % Topics.Length] })));
        using var content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson");
        using var response = await silo.Http.PostAsync("/interests:import", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import through silo {silo.Name}: HTTP {(int)response.StatusCode} {body}");
        using var report = JsonDocument.Parse(body);
        Assert.Equal(UserCount * InterestsPerUser, report.RootElement.GetProperty("imported").GetInt32());
    }

    private static async Task<Dictionary<(int Text, string User, string Interest), float>> ScoreAsync(SiloProcess silo)
    {
        using var response = await silo.Http.PostAsJsonAsync("/score", new { texts = Messages });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /score through silo {silo.Name}: HTTP {(int)response.StatusCode} {body}", null, response.StatusCode);
        }
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("matches").EnumerateArray().ToDictionary(
            m => (m.GetProperty("textIndex").GetInt32(), m.GetProperty("userId").GetString()!, m.GetProperty("interestId").GetString()!),
            m => m.GetProperty("score").GetSingle());
    }

    /// <summary>
    /// Each user's stored interests as the API returns them (ids, texts, thresholds, timestamps); one at a time: one
    /// caller's 40 at once would pass <c>Limits:ConcurrentRequestsPerCaller</c>.
    /// </summary>
    private static async Task<string[]> GetInterestsAsync(SiloProcess silo)
    {
        var interests = new List<string>();
        foreach (var user in Users)
        {
            interests.Add(await silo.Http.GetStringAsync($"/users/{user}/interests"));
        }
        return [.. interests];
    }

    /// <summary>
    /// Until the survivor has declared the killed silo dead, calls to grains that lived there fail (503); afterwards
    /// the grains activate on the survivor from Redis. Polls until the scores are the same as before the kill.
    /// </summary>
    private async Task<int> ScoreUntilSameAsync(SiloProcess silo, Dictionary<(int, string, string), float> expected)
    {
        var deadline = DateTime.UtcNow + RecoveryTimeout;
        var last = "no attempt";
        for (var attempt = 1; attempt <= 500 && DateTime.UtcNow < deadline; attempt++)
        {
            try
            {
                var matches = await ScoreAsync(silo);
                if (Differences(expected, matches) is not { } difference)
                {
                    return attempt;
                }
                last = difference;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }
            output.WriteLine($"attempt {attempt}: {last}");
            await Task.Delay(250);
        }
        throw new TimeoutException($"the survivor did not score as before the kill within {RecoveryTimeout.TotalSeconds} s; last attempt: {last}");
    }

    private static void AssertEveryInterestMatchesItsTopic(Dictionary<(int Text, string User, string Interest), float> matches)
    {
        var missing = Users.SelectMany((user, i) => Enumerable.Range(i, InterestsPerUser).Select(t => (t % Topics.Length, user, $"t{t % Topics.Length}")))
            .Where(key => !matches.ContainsKey(key))
            .ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} interests do not match their topic's message, e.g. {string.Join(", ", missing.Take(5))}");
    }

    private static void AssertSameMatches(Dictionary<(int, string, string), float> expected, Dictionary<(int, string, string), float> actual)
    {
        if (Differences(expected, actual) is { } difference)
        {
            Assert.Fail(difference);
        }
    }

    /// <summary>Null when both have the same matches with the same scores (runs of other sizes sum in other orders).</summary>
    private static string? Differences(Dictionary<(int, string, string), float> expected, Dictionary<(int, string, string), float> actual)
    {
        var missing = expected.Keys.Where(key => !actual.ContainsKey(key)).ToArray();
        var extra = actual.Keys.Where(key => !expected.ContainsKey(key)).ToArray();
        var changed = expected.Where(e => actual.TryGetValue(e.Key, out var score) && MathF.Abs(score - e.Value) > ScoreTolerance).Select(e => e.Key).ToArray();
        return missing.Length + extra.Length + changed.Length == 0
            ? null
            : $"{missing.Length} matches missing (e.g. {string.Join(", ", missing.Take(3))}), {extra.Length} extra (e.g. {string.Join(", ", extra.Take(3))}), "
                + $"{changed.Length} with other scores (e.g. {string.Join(", ", changed.Take(3))})";
    }
}
