using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--attention-state [--users U] [--rounds R]</c>: what delivery decisions cost as a user's matches keep coming
/// within the hour. A silo (memory storage, default policy: ten immediate notifications an hour, then every match waits
/// for the hourly digest) gets R rounds; in each, every one of U users is asked to decide one match of a new real text
/// (the benchmark corpus' messages, all different), in parallel as the gateway asks them. So from the eleventh round on
/// every decision defers its match; one that the digest lists appends a log entry (every 65th writes the user's whole
/// state instead), one no better than those listed is only counted. Per block of
/// rounds: the process's CPU time and allocated bytes per decision and the decisions per second; at the end the live
/// heap per user. With <c>--storage redis</c> the state is in a Redis of its own, each round's match scores higher than
/// the last (so every deferral lists its match, evicting a worse one from the digest, and appends a log entry: the
/// logs fill), and at the end the users' next activations are timed (<see cref="MeasureActivationsAsync"/>).
/// </summary>
internal static class AttentionStateBenchmark
{
    private const int Blocks = 5;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var users = settings.Users;
        var texts = BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint).Messages(settings.Rounds);
        using var redis = settings.RedisStorage ? await RedisServer.StartAsync() : null;
        var storage = redis?.StorageConfiguration ?? [];
        var silo = await BenchmarkSilo.StartAsync("glove", storage);
        var userGrains = UserGrains(silo, users);
        // The matches' interest: a user decides only matches of interests it holds (others are withdrawn, recorded nowhere).
        await Task.WhenAll(userGrains.Select(user => user.PutInterests([new InterestInput("interest", "database outages")])));
        var heapBefore = GcCounters.LiveHeap();

        Console.WriteLine($"# attention state benchmark: {users:N0} users × {texts.Length:N0} rounds of one new match each, default delivery policy, "
            + $"{(redis is null ? "memory" : "Redis")} storage, {Environment.ProcessorCount} cores");
        Console.WriteLine("| rounds | decisions/s | CPU/decision | allocated/decision | deferred | load average |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var process = Process.GetCurrentProcess();
        var blockSize = (texts.Length + Blocks - 1) / Blocks;
        for (var first = 0; first < texts.Length; first += blockSize)
        {
            var last = Math.Min(texts.Length, first + blockSize);
            var (cpu, gc, wall, deferred) = (process.TotalProcessorTime, GcCounters.Now(), Stopwatch.StartNew(), 0);
            for (var round = first; round < last; round++)
            {
                var (text, score) = (texts[round], redis is null ? 0.9f : 0.5f + 0.4f * round / texts.Length);
                var decided = await Task.WhenAll(userGrains.Select(user =>
                    user.Decide([new UserMatch(DateTimeOffset.UtcNow, "interest", text, score, [], Guid.NewGuid().ToString("N"))])));
                deferred += decided.Count(d => d[0].Delivery == DeliveryKinds.Deferred);
            }
            wall.Stop();
            process.Refresh();
            var decisions = (double)users * (last - first);
            Console.WriteLine($"| {first + 1:N0}–{last:N0} | {decisions / wall.Elapsed.TotalSeconds:N0} | {(process.TotalProcessorTime - cpu).TotalMicroseconds / decisions:F1} µs "
                + $"| {(GcCounters.Now() - gc).Allocated / decisions / 1024:F1} KB | {deferred / decisions:P0} | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
        }
        Console.WriteLine($"# live heap after the run: {(GcCounters.LiveHeap() - heapBefore) / (double)users / 1024:F0} KB per user more than before the first round");
        await BenchmarkSilo.StopAsync(silo);
        if (redis is not null)
        {
            await MeasureActivationsAsync(redis, storage, users);
        }
    }

    /// <summary>
    /// How long the users' next activations take to read their state and attention log back from Redis: after a
    /// restart (a shutdown leaves each log as it is), and after Orleans collected them as idle. Every user is asked
    /// one cheap call, one after the other (each call's wall time) and all at once (wall and process CPU time).
    /// </summary>
    private static async Task MeasureActivationsAsync(RedisServer redis, string[] storage, int users)
    {
        Console.WriteLine($"# log entries in Redis after the rounds: {await LogEntriesAsync(redis) / (double)users:F1} per user");
        Console.WriteLine("| the users' next activation | one after the other: p50 / p99 / mean | all at once: wall / CPU | log entries left per user |");
        Console.WriteLine("|---|---|---|---|");
        // A restart each, so that both find every log as the rounds left it.
        var silo = await BenchmarkSilo.StartAsync("glove", storage);
        var allAtOnce = await AllAtOnceAsync(UserGrains(silo, users));
        await BenchmarkSilo.StopAsync(silo);
        silo = await BenchmarkSilo.StartAsync("glove", storage);
        var oneByOne = await OneByOneAsync(UserGrains(silo, users));
        Console.WriteLine($"| after a restart | {oneByOne} | {allAtOnce} | {await LogEntriesAsync(redis) / (double)users:F1} |");

        var management = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<IManagementGrain>(0);
        var collection = await TimedAsync(() => management.ForceActivationCollection(TimeSpan.Zero));
        oneByOne = await OneByOneAsync(UserGrains(silo, users));
        await management.ForceActivationCollection(TimeSpan.Zero);
        allAtOnce = await AllAtOnceAsync(UserGrains(silo, users));
        Console.WriteLine($"| after an idle collection | {oneByOne} | {allAtOnce} | {await LogEntriesAsync(redis) / (double)users:F1} |");
        Console.WriteLine($"# the idle collection of the users with their logs (wall / CPU): {collection}");
        await BenchmarkSilo.StopAsync(silo);
    }

    private static async Task<string> OneByOneAsync(IUserGrain[] userGrains)
    {
        var latencies = new List<double>(userGrains.Length);
        foreach (var user in userGrains)
        {
            var clock = Stopwatch.StartNew();
            await user.GetPolicy();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        return $"{Percentiles.Of(latencies, 0.5):F2} / {Percentiles.Of(latencies, 0.99):F2} / {latencies.Average():F2} ms";
    }

    private static Task<string> AllAtOnceAsync(IUserGrain[] userGrains) => TimedAsync(() => Task.WhenAll(userGrains.Select(user => user.GetPolicy())));

    /// <summary>The wall and process CPU time of <paramref name="run"/>.</summary>
    private static async Task<string> TimedAsync(Func<Task> run)
    {
        var process = Process.GetCurrentProcess();
        var (cpu, clock) = (process.TotalProcessorTime, Stopwatch.StartNew());
        await run();
        clock.Stop();
        process.Refresh();
        return $"{clock.Elapsed.TotalMilliseconds:F0} ms / {(process.TotalProcessorTime - cpu).TotalMilliseconds:F0} ms";
    }

    private static async Task<long> LogEntriesAsync(RedisServer redis)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        return connection.GetServers().Single().Keys(pattern: "*attention-log-*").LongCount();
    }

    private static IUserGrain[] UserGrains(WebApplication silo, int users)
    {
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        return Enumerable.Range(0, users).Select(u => grains.GetGrain<IUserGrain>($"attention-user-{u}")).ToArray();
    }
}
