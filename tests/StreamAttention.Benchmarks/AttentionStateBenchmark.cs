using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Server.Hosting;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--attention-state [--users U] [--rounds R]</c>: what delivery decisions cost as a user's matches keep coming
/// within the hour. A silo (memory storage, default policy: ten immediate notifications an hour, then every match waits
/// for the hourly digest) gets R rounds; in each, every one of U users is asked to decide one match of a new real text
/// (the benchmark corpus' messages, all different), in parallel as the gateway asks them. So from the eleventh round on
/// every decision defers its match: it appends a log entry, and every 16th writes the user's whole state. Per block of
/// rounds: the process's CPU time and allocated bytes per decision and the decisions per second; at the end the live
/// heap per user.
/// </summary>
internal static class AttentionStateBenchmark
{
    private const int Blocks = 5;

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var users = settings.Users;
        var texts = BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint).Messages(settings.Rounds);
        var builder = SiloHost.CreateBuilder(
        [
            $"--Cluster:SiloPort={LoopbackPort.Free()}", $"--Cluster:GatewayPort={LoopbackPort.Free()}",
            "--Auth:Enabled=false", "--Embeddings:Provider=glove", "--Logging:LogLevel:Default=Warning",
        ], $"http://127.0.0.1:{LoopbackPort.Free()}");
        await using var silo = SiloHost.Build(builder);
        await silo.StartAsync();
        var grains = silo.Services.GetRequiredService<IGrainFactory>();
        var userGrains = Enumerable.Range(0, users).Select(u => grains.GetGrain<IUserGrain>($"attention-user-{u}")).ToArray();
        var heapBefore = GcCounters.LiveHeap();

        Console.WriteLine($"# attention state benchmark: {users:N0} users × {texts.Length:N0} rounds of one new match each, default delivery policy, {Environment.ProcessorCount} cores");
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
                var text = texts[round];
                var decided = await Task.WhenAll(userGrains.Select(user =>
                    user.Decide([new UserMatch(DateTimeOffset.UtcNow, "interest", text, 0.9f, [], Guid.NewGuid().ToString("N"))])));
                deferred += decided.Count(d => d[0].Delivery == DeliveryKinds.Deferred);
            }
            wall.Stop();
            process.Refresh();
            var decisions = (double)users * (last - first);
            Console.WriteLine($"| {first + 1:N0}–{last:N0} | {decisions / wall.Elapsed.TotalSeconds:N0} | {(process.TotalProcessorTime - cpu).TotalMicroseconds / decisions:F1} µs "
                + $"| {(GcCounters.Now() - gc).Allocated / decisions / 1024:F1} KB | {deferred / decisions:P0} | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
        }
        Console.WriteLine($"# live heap after the run: {(GcCounters.LiveHeap() - heapBefore) / (double)users / 1024:F0} KB per user more than before the first round");
        await silo.StopAsync();
    }
}
