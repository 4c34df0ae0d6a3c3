using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Tenants;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--tenant-writes [--rounds R] [--redis HOST:PORT --silo-port P]</c>: how many interest writes a second one tenant
/// grain admits. Every write that adds interests reserves them at its tenant's grain; the users without a tenant all
/// share the grain <see cref="Ids.NoTenant"/>. A silo on Redis storage (a Redis of its own, or
/// the one given, emptied first; the silo on P, its gateway on P+1, HTTP on P+2); for each size (10,000 and 100,000
/// users counted by a tenant's grain, stored as cluster contract 12 stored them and moved at its activation: the same
/// grain as <see cref="Ids.NoTenant"/>'s, under a tenant of each row's own) and each number of callers in flight
/// (64, 256), R changes of distinct new users each:
/// <list type="bullet">
/// <item>the tenant grain alone: <c>Reserve</c> of a new user, called directly;</item>
/// <item>users' writes through it: <c>PutInterests</c> of one interest by new users of that tenant (the user's
/// record, its shard, its reservation at the one grain);</item>
/// <item>users' writes spread: the same by new users of as many tenants as callers (each caller its own tenant, its
/// grain active before), so no tenant grain is shared: what the users' own writes admit.</item>
/// </list>
/// Per row: changes a second (R over the time from the first call to the last answer) and the process's CPU per change.
/// </summary>
internal static class TenantWritesBenchmark
{
    private static readonly int[] Sizes = [10_000, 100_000];
    private static readonly int[] Callers = [64, 256];

    public static async Task RunAsync(BenchmarkSettings settings, string[] args)
    {
        var changes = settings.Rounds;
        string? Text(string name) => Array.IndexOf(args, name) is >= 0 and var at && at + 1 < args.Length ? args[at + 1] : null;
        using var ownRedis = Text("--redis") is null ? await RedisServer.StartAsync() : null;
        var redis = Text("--redis") ?? ownRedis!.Configuration;
        int[]? ports = Text("--silo-port") is { } port ? [int.Parse(port), int.Parse(port) + 1, int.Parse(port) + 2] : null;
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis},allowAdmin=true");
        Console.WriteLine($"# tenant writes benchmark: {changes:N0} changes per row, Redis storage, {Environment.ProcessorCount} cores");
        Console.WriteLine("| users counted | callers | tenant grain alone: changes/s, CPU | users' writes, one tenant grain: writes/s, CPU | users' writes, a tenant each: writes/s, CPU | load average |");
        Console.WriteLine("|---|---|---|---|---|---|");
        await connection.GetServers().Single().FlushAllDatabasesAsync();
        var silo = await TenantCountsBenchmark.StartAsync(["--Cluster:Storage=Redis", $"--Cluster:Redis={redis}"], ports);
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);
        foreach (var size in Sizes)
        {
            foreach (var callers in Callers)
            {
                // Tenants of their own per row: the shared grain holds exactly the users counted, the user grains are new.
                var row = $"{size}x{callers}";
                var stored = new GrainState<TenantUsageState>(new TenantUsageState
                {
                    InterestsByUser = Enumerable.Range(0, size).ToDictionary(u => $"shared{row}/counted{u:D6}", _ => 1),
                });
                await storage.WriteStateAsync("tenant", GrainId.Create(TenantGrain.GrainTypeName, $"shared{row}"), stored);
                var tenant = grains.GetGrain<ITenantGrain>($"shared{row}");
                await tenant.GetUsage();
                await Task.WhenAll(Enumerable.Range(0, callers).Select(c => grains.GetGrain<ITenantGrain>($"spread{row}c{c}").GetUsage()));

                var alone = await MeasureAsync(changes, callers, async (_, i) =>
                {
                    if (await tenant.Reserve($"shared{row}/reserved{i:D6}", 1) is { } refused)
                    {
                        throw new InvalidOperationException(refused);
                    }
                });
                var shared = await MeasureAsync(changes, callers, (_, i) => WriteAsync(grains, $"shared{row}/user{i:D6}"));
                var spread = await MeasureAsync(changes, callers, (c, i) => WriteAsync(grains, $"spread{row}c{c}/user{i:D6}"));
                Console.WriteLine($"| {size:N0} | {callers} | {alone} | {shared} | {spread} | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
            }
        }
        await BenchmarkSilo.StopAsync(silo);
    }

    private static async Task WriteAsync(IGrainFactory grains, string user)
    {
        var written = await grains.GetGrain<IUserGrain>(user).PutInterests([new InterestInput("interest", "database outages")]);
        if (written.Errors.Count > 0)
        {
            throw new InvalidOperationException(written.Errors[0].Message);
        }
    }

    /// <summary>
    /// <paramref name="changes"/> calls of <paramref name="change"/> (caller, change's number), <paramref name="callers"/>
    /// in flight: each caller takes the next number until none is left.
    /// </summary>
    private static async Task<string> MeasureAsync(int changes, int callers, Func<int, int, Task> change)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < changes)
            {
                await change(caller, i);
            }
        })));
        clock.Stop();
        process.Refresh();
        return $"{changes / clock.Elapsed.TotalSeconds:N0}/s, {(process.TotalProcessorTime - cpu).TotalMicroseconds / changes:N0} µs";
    }
}
