using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Grains.Shards;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--silo-grouping</c>: what the silo's scoring grain spends turning a run's pairs into matches per shard
/// (<see cref="SiloIndexSnapshot.Matches"/>), without scoring: a silo index of <c>--interests</c> rows (measured
/// at 100,000: 10 interests per user, 64 shards, GloVe's 300 dimensions, 4 words per interest from 5,000) and batches of
/// 16 messages × 600 matches, ordered as the scorer returns them (by message, then best score first), so the rows
/// within a message come in no order. Prints the time per batch and per pair (median of <c>--repetitions</c> × 20
/// batches after a warm-up), the bytes allocated per pair, and the heap the snapshot holds per row beyond its users'
/// indexes.
/// </summary>
internal static class SiloGroupingBenchmark
{
    private const int Shards = 64;
    private const int InterestsPerUser = 10;
    private const int Dimension = 300;
    private const int Vocabulary = 5_000;
    private const int WordsPerInterest = 4;
    private const int Messages = 16;
    private const int MatchesPerMessage = 600;

    public static void Run(BenchmarkSettings settings)
    {
        var random = new Random(1);
        var options = new ScoringOptions();
        var words = new WordTable(Dimension);
        var vector = new float[Dimension];
        for (var w = 0; w < Vocabulary; w++)
        {
            for (var d = 0; d < Dimension; d++)
            {
                vector[d] = random.NextSingle() - 0.5f;
            }
            words.Intern(vector);
        }
        var silo = new SiloInterestIndex(words, options);
        var users = settings.Interests / InterestsPerUser;
        var shardUsers = Enumerable.Range(0, Shards).Select(_ => new List<InterestIndex>()).ToArray();
        for (var u = 0; u < users; u++)
        {
            var interests = Enumerable.Range(0, InterestsPerUser).Select(i => new InterestDefinition($"interest-{i}", "", $"user-{u}")).ToArray();
            var queries = interests.Select(_ => new InterestQueries(vector,
                Enumerable.Range(0, WordsPerInterest).Select(_ => random.Next(Vocabulary)).ToArray(), [0.25f, 0.25f, 0.25f, 0.25f])).ToArray();
            shardUsers[u % Shards].Add(InterestIndex.FromQueries(interests, queries, words, options));
        }
        for (var shard = 0; shard < Shards; shard++)
        {
            silo.Publish(shard, shardUsers[shard]);
        }
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var snapshot = silo.Current();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var rows = snapshot.Index.Count;

        Highlight[] highlights = [new("postgres", 0.43f), new("replica", 0.21f), new("lag", 0.1f)];
        var batches = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, Messages)
            .SelectMany(m => Enumerable.Range(0, MatchesPerMessage).Select(_ => random.Next(rows)).Distinct()
                .Select(row => new RowMatch(m, row, random.NextSingle(), 0, highlights))
                .OrderByDescending(pair => pair.Score))
            .ToList()).ToArray();
        var pairs = batches.Sum(batch => batch.Count);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var time = Timing.Median(settings.Repetitions, () =>
        {
            foreach (var batch in batches)
            {
                snapshot.Matches(batch);
            }
        });
        allocated = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (settings.Repetitions + 1);
        Console.WriteLine($"# silo grouping benchmark: {rows:N0} rows in {Shards} shards, {Messages} messages × {MatchesPerMessage} matches per batch, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        Console.WriteLine("| per batch | per pair | allocated per pair | snapshot heap per row |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| {time.TotalMicroseconds / batches.Length:F0} µs | {time.TotalNanoseconds / pairs:F1} ns | {(double)allocated / pairs:F0} B | {(double)(after - before) / rows:F0} B |");
        GC.KeepAlive(snapshot);
    }
}
