using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Tenants;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--stored-count --users N --redis HOST:PORT --port P</c>: the upgrade to cluster contract 13 with N users without a
/// tenant stored by an earlier build (no grain counted them). The Redis given is flushed; one user's record (one interest,
/// written through the HTTP API under a tenant) is copied under N keys of users without a tenant, as a build of contract 12
/// left them. Then, on a silo with the Redis grain storage (ports P to P+8): the first write of a user without a tenant
/// (it waits for the <c>(no-tenant)</c> grain's count; timed, with its answer), a second write right after it; the silo
/// stopped half-way (by the first write's time) through the count of a fresh copy; and the count on a silo started again after that stop.
/// </summary>
internal static class StoredCountBenchmark
{
    public static async Task RunAsync(string[] args)
    {
        var users = int.Parse(Argument(args, "--users") ?? "100000");
        var redisAddress = Argument(args, "--redis") ?? throw new ArgumentException("--redis HOST:PORT");
        var port = int.Parse(Argument(args, "--port") ?? throw new ArgumentException("--port P"));
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redisAddress},allowAdmin=true");
        var server = connection.GetServers().Single();
        Console.WriteLine($"# stored-count benchmark: {users:N0} stored users without a tenant, Redis storage, {Environment.ProcessorCount} cores");

        TimeSpan firstWrite;
        await SeedAsync(connection, server, redisAddress, port, users);
        await using (var silo = await StartAsync(redisAddress, port + 3))
        {
            using var http = Http(silo);
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"first write: {await TimedWriteAsync(http, "first")}");
            firstWrite = clock.Elapsed;
            Console.WriteLine($"second write: {await TimedWriteAsync(http, "second")}");
            Console.WriteLine($"usage: {await http.GetStringAsync("/users:usage")}");
            await silo.StopAsync();
        }

        await SeedAsync(connection, server, redisAddress, port, users);
        await using (var silo = await StartAsync(redisAddress, port + 3))
        {
            var clock = Stopwatch.StartNew();
            var counting = silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(Ids.NoTenant).GetUsage();
            await Task.Delay(firstWrite / 2);
            var stopAt = clock.Elapsed;
            await silo.StopAsync();
            Console.WriteLine($"silo's stop began {stopAt.TotalSeconds:N1} s into the count, ended at {clock.Elapsed.TotalSeconds:N1} s; the count's call: {await Outcome(counting)}; "
                + $"stored: {await StoredAsync(connection.GetDatabase())}");
        }
        await using (var silo = await StartAsync(redisAddress, port + 6))
        {
            var clock = Stopwatch.StartNew();
            var usage = await Outcome(silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(Ids.NoTenant).GetUsage());
            Console.WriteLine($"count on the silo started again: {clock.Elapsed.TotalSeconds:N1} s, {usage}; stored: {await StoredAsync(connection.GetDatabase())}");
            await silo.StopAsync();
        }
    }

    /// <summary>Flushes Redis and stores <paramref name="users"/> copies of one user's record under users without a tenant.</summary>
    private static async Task SeedAsync(ConnectionMultiplexer connection, IServer server, string redis, int port, int users)
    {
        await server.FlushAllDatabasesAsync();
        RedisValue data;
        await using (var silo = await StartAsync(redis, port))
        {
            using var http = Http(silo);
            (await http.PutAsJsonAsync("/tenants/seed/users/carol/interests/db", new { text = "database indexing and query planning" })).EnsureSuccessStatusCode();
            data = await connection.GetDatabase().HashGetAsync("streamattention/state/user/seed/carol/user", "data");
            await silo.StopAsync();
        }
        await server.FlushAllDatabasesAsync();
        var clock = Stopwatch.StartNew();
        var database = connection.GetDatabase();
        foreach (var chunk in Enumerable.Range(0, users).Chunk(10_000))
        {
            await Task.WhenAll(chunk.Select(u => database.HashSetAsync($"streamattention/state/user/stored{u:D7}/user",
                [new HashEntry("etag", Guid.NewGuid().ToString("N")), new HashEntry("data", data)])));
        }
        Console.WriteLine($"seeded {users:N0} records of {((byte[])data!).Length} bytes in {clock.Elapsed.TotalSeconds:N1} s");
    }

    private static async Task<string> TimedWriteAsync(HttpClient http, string user)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.PutAsJsonAsync($"/users/{user}/interests/db", new { text = "database indexing and query planning" });
        var body = await response.Content.ReadAsStringAsync();
        return $"{(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:N1} s {body[..Math.Min(body.Length, 300)]}";
    }

    private static async Task<string> Outcome(Task<TenantUsage> call)
    {
        try
        {
            return $"usage {await call}";
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message[..Math.Min(e.Message.Length, 300)]}";
        }
    }

    /// <summary>What the <c>(no-tenant)</c> grain has stored: its bucket records, and whether its own record says it counted.</summary>
    private static async Task<string> StoredAsync(IDatabase database)
    {
        var buckets = 0;
        for (var bucket = 0; bucket < TenantGrain.Buckets; bucket++)
        {
            buckets += await database.KeyExistsAsync($"streamattention/state/tenant/(no-tenant)/{TenantGrain.BucketStateName(bucket)}") ? 1 : 0;
        }
        return $"{buckets} bucket records, tenant record {(await database.KeyExistsAsync("streamattention/state/tenant/(no-tenant)/tenant") ? "present" : "absent")}";
    }

    /// <summary>A silo on the Redis storage at <paramref name="redis"/>: the silo on <paramref name="port"/>, its gateway on the next, HTTP on the one after.</summary>
    private static Task<WebApplication> StartAsync(string redis, int port)
        => BenchmarkSilo.StartAsync("glove", ["--Cluster:Storage=Redis", $"--Cluster:Redis={redis}"], [port, port + 1, port + 2]);

    private static HttpClient Http(WebApplication silo) => new() { BaseAddress = new Uri(silo.Urls.First()), Timeout = TimeSpan.FromMinutes(10) };

    private static string? Argument(string[] args, string name) => Array.IndexOf(args, name) is >= 0 and var at && at + 1 < args.Length ? args[at + 1] : null;
}
