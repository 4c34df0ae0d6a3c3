using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Import;
using StreamAttention.Grains.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--restart</c>: how soon a silo restarted after a crash serves again. A silo (the real host, the product's default
/// configuration with the <c>--provider</c>'s embedder) keeps its grains' state in a Redis of its own; <c>--interests</c>
/// of the workload's phrases are bulk-imported (10 per user) and the silo stopped. A second silo on the same Redis then
/// starts (embedder loaded and warmed up) and every scoring shard is activated, which rebuilds it from its users' rows:
/// each user grain activates, reads its state and gives its interests' rows. Measured: the wall time and the process's
/// CPU time of the start and of the rebuild, and the live heap the rebuilt state adds per interest (shards' rows, user
/// grains' state). Arguments of the form <c>--Section:Key=value</c> go to both silos' configuration, e.g.
/// <c>--Embeddings:Distilled:ExpansionCacheSize=0</c>.
/// </summary>
internal static class RestartBenchmark
{
    private const int InterestsPerUser = 10;

    public static async Task RunAsync(BenchmarkSettings settings, string[] args)
    {
        var configuration = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains(':') && a.Contains('=')).ToArray();
        using var redis = await RedisServer.StartAsync();
        // Both silos on the same Redis, with the same arguments.
        string[] siloSettings = [.. redis.StorageConfiguration, .. configuration];
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
        string embedderName;
        (TimeSpan Wall, TimeSpan Cpu) import;
        await using (var first = await BenchmarkSilo.StartAsync(settings.Provider, siloSettings))
        {
            var embedder = first.Services.GetRequiredService<ITextEmbedder>();
            embedderName = embedder.Name;
            var interests = corpus.KnownPhrases(embedder, settings.Interests);
            var clock = Measure.Begin();
            var report = await first.Services.GetRequiredService<InterestImporter>().ImportAsync(Lines(interests), CancellationToken.None);
            import = clock.End();
            if (report.Imported != settings.Interests)
            {
                throw new InvalidOperationException($"Imported {report.Imported} of {settings.Interests} interests: {string.Join("; ", report.Errors.Take(3).Select(e => e.Message))}");
            }
            await first.StopAsync();
        }

        var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
        var start = Measure.Begin();
        await using var second = await BenchmarkSilo.StartAsync(settings.Provider, siloSettings);
        var started = start.End();
        var heapBefore = GcCounters.LiveHeap();
        var shards = second.Services.GetRequiredService<IOptions<ShardingOptions>>().Value.ShardCount;
        var grains = second.Services.GetRequiredService<IGrainFactory>();
        var rebuild = Measure.Begin();
        var failed = 0;
        var statistics = await Task.WhenAll(Enumerable.Range(0, shards).Select(async shard =>
        {
            // Activating a shard rebuilds it before the call returns. A rebuild longer than the response timeout fails the
            // call, one longer than the activation timeout fails the activation too: asked again, as a caller would.
            while (true)
            {
                try
                {
                    return await grains.GetGrain<IScoringShardGrain>(shard).GetStatistics();
                }
                catch (Exception e) when (e is TimeoutException or OperationCanceledException or OrleansException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        var rebuilt = rebuild.End();
        var heapAfter = GcCounters.LiveHeap();
        var served = statistics.Sum(s => s.Interests);
        if (served != settings.Interests)
        {
            throw new InvalidOperationException($"The shards rebuilt {served} of {settings.Interests} interests.");
        }
        await second.StopAsync();

        Console.WriteLine($"# restart benchmark, workload {settings.Workload}, {embedderName}: {settings.Interests:N0} interests ({settings.Interests / InterestsPerUser:N0} users), {shards} shards, Redis storage, "
            + $"{Environment.ProcessorCount} cores{string.Concat(configuration.Select(c => " " + c))}");
        Console.WriteLine("| interests | import (wall / CPU) | silo start (wall / CPU) | shards rebuilt (wall / CPU) | calls failed | live heap added by the rebuild | per interest | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {settings.Interests:N0} | {import.Wall.TotalSeconds:F1} s / {import.Cpu.TotalSeconds:F1} s | {started.Wall.TotalSeconds:F2} s / {started.Cpu.TotalSeconds:F2} s | {rebuilt.Wall.TotalSeconds:F2} s / {rebuilt.Cpu.TotalSeconds:F2} s | {failed} "
            + $"| {(heapAfter - heapBefore) / 1e6:N1} MB | {(heapAfter - heapBefore) / (double)settings.Interests:N0} B | {load} |");
    }

    private static async IAsyncEnumerable<ImportLine> Lines(string[] interests)
    {
        for (var i = 0; i < interests.Length; i++)
        {
            yield return new ImportLine(i + 1, $"user-{i / InterestsPerUser}", new InterestInput($"i{i % InterestsPerUser}", interests[i]));
        }
        await Task.CompletedTask;
    }

    /// <summary>Wall and process CPU time from <see cref="Begin"/> to <see cref="End"/>.</summary>
    private readonly record struct Measure(Stopwatch Clock, TimeSpan CpuAtStart)
    {
        public static Measure Begin() => new(Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime);

        public (TimeSpan Wall, TimeSpan Cpu) End() => (Clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - CpuAtStart);
    }
}
