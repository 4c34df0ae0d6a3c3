using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Tenants;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--tenant-counts [--rounds R]</c>: what a change of a tenant's counts costs as the tenant grows. A silo with a
/// Redis of its own; for each size (1,000, 10,000 and 100,000 users) a tenant's counts of that many users, one
/// interest each, are stored as cluster contract 12 stored them (one record), then the tenant's grain is activated
/// (timed: it reads, and a build that moves them to another layout moves them) and asked R reservations of new users
/// and R releases of users counted (one after the other, as many users' writes reach it). Per change: the bytes Redis
/// received (its <c>total_net_input_bytes</c>) and the process's CPU time.
/// </summary>
internal static class TenantCountsBenchmark
{
    private static readonly int[] Sizes = [1_000, 10_000, 100_000];

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var changes = settings.Rounds;
        using var redis = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true");
        var server = connection.GetServers().Single();
        var silo = await StartAsync(redis.StorageConfiguration);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        Console.WriteLine($"# tenant counts benchmark: {changes:N0} reservations and {changes:N0} releases per size, Redis storage, {Environment.ProcessorCount} cores");
        Console.WriteLine("| users | activation | reserve: bytes to Redis / CPU | release: bytes to Redis / CPU | load average |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var size in Sizes)
        {
            var tenant = $"bench{size}";
            var stored = new GrainState<TenantUsageState>(new TenantUsageState
            {
                InterestsByUser = Enumerable.Range(0, size).ToDictionary(u => $"{tenant}/user{u:D6}", _ => 1),
            });
            await storage.WriteStateAsync("tenant", GrainId.Create("tenant", tenant), stored);
            var grain = grains.GetGrain<ITenantGrain>(tenant);
            var activation = Stopwatch.StartNew();
            await grain.GetUsage();
            activation.Stop();
            var reserve = await MeasureAsync(server, changes, async i =>
            {
                if (await grain.Reserve($"{tenant}/new{i:D6}", 2) is { } refused)
                {
                    throw new InvalidOperationException(refused);
                }
            });
            var release = await MeasureAsync(server, changes, i => grain.Release($"{tenant}/user{i:D6}", 0));
            Console.WriteLine($"| {size:N0} | {activation.Elapsed.TotalMilliseconds:N0} ms | {reserve} | {release} | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
        }
        await BenchmarkSilo.StopAsync(silo);
    }

    private static async Task<string> MeasureAsync(IServer server, int changes, Func<int, Task> change)
    {
        var process = Process.GetCurrentProcess();
        var (bytes, cpu) = (await InputBytesAsync(server), process.TotalProcessorTime);
        for (var i = 0; i < changes; i++)
        {
            await change(i);
        }
        process.Refresh();
        var (bytesAfter, cpuAfter) = (await InputBytesAsync(server), process.TotalProcessorTime);
        return $"{(bytesAfter - bytes) / (double)changes:N0} B / {(cpuAfter - cpu).TotalMicroseconds / changes:N0} µs";
    }

    private static async Task<long> InputBytesAsync(IServer server)
        => long.Parse((await server.InfoAsync("stats")).SelectMany(group => group).Single(pair => pair.Key == "total_net_input_bytes").Value);

    /// <summary>A silo for the tenant benchmarks on <paramref name="storage"/>'s settings; <paramref name="ports"/>: silo, gateway, HTTP (free ones if null).</summary>
    internal static Task<WebApplication> StartAsync(string[] storage, int[]? ports = null)
        => BenchmarkSilo.StartAsync("glove", ["--Tenants:MaxUsers=1000000", "--Tenants:MaxInterests=10000000", .. storage], ports);
}
