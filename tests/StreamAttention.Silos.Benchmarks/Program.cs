using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Grains.Hosting;
using StreamAttention.Grains.Import;
using StreamAttention.Onnx;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Testing;

// Silo benchmark: one in-process silo as `streamattention silo` builds it (the default provider, ONNX scorer, grains, local
// clustering, memory storage), without Kestrel. At each size it measures the silo's memory, then scores the same
// message batches through the grains (gateway → shards → batcher) and through a TwoStageScorer called directly on
// the same interests, in this one run, so the ratio is the cost of the actor layer. `--storage redis` (as the other
// benchmarks take it; `--redis`, the spelling in earlier commands of docs/benchmarks.md, too): the grains' state in a
// Redis of the benchmark's own (a redis-server child on a free loopback port), as production stores it, instead of in
// the silo's memory, where each user's serialized state counts in the silo's heap.
var settings = BenchmarkSettings.Parse(args);
var sizes = args.Contains("--sizes") ? settings.Sizes : [10_000, 100_000];
const int interestsPerUser = 10;

using var redis = settings.RedisStorage || args.Contains("--redis") ? await RedisServer.StartAsync() : null;
var storage = redis?.StorageConfiguration ?? [];
var builder = StreamAttentionHost.CreateBuilder(["--Logging:LogLevel:Default=Warning", .. storage, .. args.Where(a => a.StartsWith("--") && a.Contains('='))]);
builder.UseOrleans(silo => silo.UseStreamAttentionCluster(builder.Configuration).AddStreamAttentionGrains());
using var host = builder.Build();
await host.StartAsync();

var grains = host.Services.GetRequiredService<IGrainFactory>();
var gateway = grains.GetGrain<IScoringGatewayGrain>(0);
var embedder = host.Services.GetRequiredService<ITextEmbedder>();
var scoringOptions = host.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;
// GloVe's words by frequency make the generated interests, whatever the silo's provider embeds them with.
var vectors = WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(new WordVectorOptions()));
var corpus = BenchmarkCorpus.Load();
var messages = corpus.Messages(settings.Messages);
var interests = corpus.Interests(sizes[^1], seed: 42, rank => vectors.Word(rank - 1))
    .Select((text, i) => new InterestDefinition($"i{i}", text, $"u{i / interestsPerUser}"))
    .ToArray();
Console.WriteLine($"# silo benchmark: {string.Join(" and ", sizes.Select(s => $"{s:N0}"))} interests ({interestsPerUser} per user) × {settings.Messages} messages per batch, "
    + $"median of {settings.Repetitions} batches, {Environment.ProcessorCount} cores, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC, "
    + $"{(redis is null ? "memory" : "Redis")} storage, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

// Empty: the shards are active and the ONNX sessions loaded, so the baseline holds everything but the interests.
await gateway.Score(messages);
var empty = Memory.Measure();
var rows = new List<string>
{
    $"| 0 | {empty.Heap / 1e6:F0} MB ({empty.Free / 1e6:F0} MB free) | {empty.WorkingSet / 1e6:F0} MB | {empty.PeakWorkingSet / 1e6:F0} MB | | | | | |",
};
var loaded = 0;
foreach (var size in sizes)
{
    var clock = Stopwatch.StartNew();
    var report = await host.Services.GetRequiredService<InterestImporter>().ImportAsync(
        interests[loaded..size].Select((interest, i) => new ImportLine(i + 1, interest.UserId, new InterestInput(interest.Id, interest.Text))).ToAsyncEnumerable(),
        CancellationToken.None);
    if (report.Failed > 0)
    {
        throw new InvalidOperationException($"{report.Failed} interests failed to import, e.g. {report.Errors[0].Message}");
    }
    Console.WriteLine($"imported {report.Imported:N0} interests in {clock.Elapsed.TotalSeconds:F1} s");
    loaded = size;

    // Two scores first: the shards and the silo index rebuild after the import, and that memory belongs to the silo. The
    // first is scored by the shards the import changed, which publish their users' indexes then; the second builds the
    // silo's index over all of them, as a silo holds it between imports.
    await gateway.Score(messages);
    var grainMatches = (await gateway.Score(messages)).Count;
    var memory = Memory.Measure();
    // Printed now: at 1,000,000 interests the direct scorer's index below embeds every text again (half an hour with the expansion).
    Console.WriteLine($"# {size:N0} interests: GC heap {memory.Heap / 1e6:F0} MB, working set {memory.WorkingSet / 1e6:F0} MB, peak so far {memory.PeakWorkingSet / 1e6:F0} MB");

    // The raw core: the same interests (same texts, default thresholds) and messages, embedding included as in the gateway.
    var index = InterestIndex.Build(interests[..size], embedder, scoringOptions);
    using var scorer = new TwoStageScorer(host.Services.GetRequiredService<OnnxSessionFactory>(), scoringOptions);
    var coreMatches = scorer.Score(embedder.Embed(messages), index).Count;
    var (grainTime, coreTime) = AlternatingMedians(settings.Repetitions,
        () => gateway.Score(messages).GetAwaiter().GetResult(),
        () => scorer.Score(embedder.Embed(messages), index));

    var perThousand = (memory.Heap - empty.Heap) / (size / 1_000.0);
    var workingSetPerThousand = (memory.WorkingSet - empty.WorkingSet) / (size / 1_000.0);
    rows.Add($"| {size:N0} | {memory.Heap / 1e6:F0} MB ({memory.Free / 1e6:F0} MB free) | {memory.WorkingSet / 1e6:F0} MB | {memory.PeakWorkingSet / 1e6:F0} MB | {perThousand / 1e6:F1} MB | {workingSetPerThousand / 1e6:F1} MB "
        + $"| {Rate(grainTime)} ({grainMatches:N0} matches) | {Rate(coreTime)} ({coreMatches:N0} matches) "
        + $"| {grainTime.Wall / coreTime.Wall:F2}× wall, {grainTime.Cpu / coreTime.Cpu:F2}× CPU |");
}

string Rate(Sample batch)
    => $"{settings.Messages / batch.Wall.TotalSeconds:F1} msg/s ({batch.Wall.TotalMilliseconds:F0} ms wall, {batch.Cpu.TotalMilliseconds:F0} ms CPU per batch)";

Console.WriteLine();
Console.WriteLine("| interests | GC heap (of it free space) | working set | peak working set so far | heap per 1,000 interests | working set per 1,000 | through the grains | TwoStageScorer directly | grains / core, time per batch |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
rows.ForEach(Console.WriteLine);
await host.StopAsync();
return 0;

// Both were run once already (warm). Alternating them makes the shared machine's changing load hit both alike; the
// process's CPU time per call is reported too, as it depends less on what else the machine runs than wall time does.
static (Sample First, Sample Second) AlternatingMedians(int repetitions, Action first, Action second)
{
    var firstSamples = new Sample[repetitions];
    var secondSamples = new Sample[repetitions];
    for (var r = 0; r < repetitions; r++)
    {
        firstSamples[r] = Sample.Of(first);
        secondSamples[r] = Sample.Of(second);
    }
    return (Sample.Median(firstSamples), Sample.Median(secondSamples));
}

/// <summary>Wall time and the whole process's CPU time (all threads: ONNX, Orleans, GC) of one call.</summary>
internal readonly record struct Sample(TimeSpan Wall, TimeSpan Cpu)
{
    public static Sample Of(Action action)
    {
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        action();
        return new Sample(clock.Elapsed, Environment.CpuUsage.TotalTime - cpu);
    }

    /// <summary>Wall and CPU medians taken separately.</summary>
    public static Sample Median(Sample[] samples)
        => new(samples.Select(s => s.Wall).Order().ElementAt(samples.Length / 2), samples.Select(s => s.Cpu).Order().ElementAt(samples.Length / 2));
}

/// <summary>
/// The process's managed heap and working set after full, compacting collections (what the silo cannot give back), and
/// the largest working set so far (imports and rebuilds included).
/// </summary>
/// <param name="Free">Of <paramref name="Heap"/>, the free space between objects that the collections left (pinned objects keep it).</param>
internal readonly record struct Memory(long Heap, long Free, long WorkingSet, long PeakWorkingSet)
{
    public static Memory Measure()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        using var process = Process.GetCurrentProcess();
        return new Memory(GC.GetTotalMemory(forceFullCollection: false), GC.GetGCMemoryInfo(GCKind.FullBlocking).FragmentedBytes, process.WorkingSet64, process.PeakWorkingSet64);
    }
}
