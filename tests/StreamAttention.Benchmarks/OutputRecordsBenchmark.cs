using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--output-records</c>: what the output records cost per match in each <c>Ingest:Output:MatchRecords</c> layout,
/// without scoring or decisions: the pipeline's <see cref="OutputPublisher"/> publishes synthetic batches of matches
/// (as the gateway returns them: an id, a decision, a duplicate's id, three highlights, a raw score) to an embedded
/// Kafka and waits for every acknowledgement, then a consumer reads every record back and parses all of it. The
/// process's CPU time and allocated bytes per match are taken around each part (the producer's, the mock broker's and
/// the consumer's threads are in the process). Matches per user and batch: ~29 (10,000 interests, 1,000 users, full
/// batches of 256 messages, as the saturated ingest benchmark forms them), ~3.6 (the same in batches of 32 messages)
/// and ~14 (100,000 interests in full batches: 10,000 users and 256 messages scaled down to 2,500 and 64, so the
/// embedded Kafka's ~5 MiB per partition holds the output).
/// Each workload publishes ~55,000 matches (the process's CPU time advances in 10 ms ticks). <c>--repetitions R</c>
/// rounds, each layout in turn on a fresh cluster; the first round warms up and is left out.
/// </summary>
internal static class OutputRecordsBenchmark
{
    private const string Topic = "streamattention.matches";
    private const int Partitions = 8;

    private static readonly (string Name, int Users, int MessagesPerBatch, int MatchesPerMessage, int Batches)[] Workloads =
    [
        ("10,000 interests, full batches: 1,000 users, 256 messages per batch, 114 matches per message", 1_000, 256, 114, 2),
        ("10,000 interests, small batches: 1,000 users, 32 messages per batch, 114 matches per message", 1_000, 32, 114, 16),
        ("100,000 interests, full batches: 2,500 users, 64 messages per batch, 600 matches per message", 2_500, 64, 600, 2),
    ];

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        Console.WriteLine($"# output records benchmark: CPU time and allocation per match, median of {Math.Max(1, settings.Repetitions - 1)} rounds after a warm-up, {Environment.ProcessorCount} cores");
        Console.WriteLine("| workload | layout | records | matches per record | publish CPU/match | publish allocated/match | read CPU/match | read allocated/match | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var workload in Workloads)
        {
            var batches = Batches(workload.Users, workload.MessagesPerBatch, workload.MatchesPerMessage, workload.Batches);
            var results = new Dictionary<MatchRecordLayout, List<Round>>();
            for (var round = 0; round < Math.Max(2, settings.Repetitions); round++)
            {
                foreach (var layout in new[] { MatchRecordLayout.PerMatch, MatchRecordLayout.PerUserBatch })
                {
                    var result = await MeasureAsync(batches, layout);
                    if (round > 0)
                    {
                        (results.TryGetValue(layout, out var rounds) ? rounds : results[layout] = []).Add(result);
                    }
                }
            }
            foreach (var (layout, rounds) in results)
            {
                double Median(Func<Round, double> value) => rounds.Select(value).Order().ElementAt(rounds.Count / 2);
                var matches = rounds[0].Matches;
                Console.WriteLine($"| {workload.Name} | {layout} | {rounds[0].Records:N0} | {(double)matches / rounds[0].Records:F1} "
                    + $"| {Median(r => r.PublishCpu.TotalMicroseconds / matches):F2} µs | {Median(r => (double)r.PublishAllocated / matches):N0} B "
                    + $"| {Median(r => r.ReadCpu.TotalMicroseconds / matches):F2} µs | {Median(r => (double)r.ReadAllocated / matches):N0} B | {File.ReadAllText("/proc/loadavg").Split(' ')[0]} |");
            }
        }
    }

    private sealed record Round(long Records, long Matches, TimeSpan PublishCpu, long PublishAllocated, TimeSpan ReadCpu, long ReadAllocated);

    private static (IngestMessage Message, SourcePosition Source, TextMatch[] Matches)[][] Batches(int users, int messagesPerBatch, int matchesPerMessage, int count)
    {
        var random = new Random(1);
        Highlight[] highlights = [new("postgres", 0.43f), new("replica", 0.21f), new("lag", 0.1f)];
        return Enumerable.Range(0, count).Select(b => Enumerable.Range(0, messagesPerBatch).Select(m =>
        {
            var offset = b * messagesPerBatch + m;
            var matches = Enumerable.Range(0, matchesPerMessage).Select(_ => random.Next(users)).Distinct().Order()
                .Select(user => new TextMatch(m, $"user-{user}", $"i{random.Next(10)}", random.NextSingle(), highlights, Guid.NewGuid().ToString("N"),
                    DeliveryKinds.SuppressedDuplicate, Guid.NewGuid().ToString("N"), RawScore: random.NextSingle()))
                .ToArray();
            return (new IngestMessage($"sat-{offset}", "", null, null, null, null, null, $"streamattention.messages/{m % Partitions}/{offset}"), new SourcePosition("streamattention.messages", m % Partitions, offset), matches);
        }).ToArray()).ToArray();
    }

    private static async Task<Round> MeasureAsync((IngestMessage Message, SourcePosition Source, TextMatch[] Matches)[][] batches, MatchRecordLayout layout)
    {
        await using var kafka = EmbeddedKafkaCluster.Start(1);
        kafka.CreateTopic(Topic, Partitions);
        // As the ingest benchmark runs the pipeline: without the text.
        var options = new KafkaIngestOptions { BootstrapServers = kafka.BootstrapServers, IncludeText = false, Output = { MatchRecords = layout } };
        using var publisher = new OutputPublisher(Options.Create(options));
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        foreach (var batch in batches)
        {
            var acknowledgements = new BatchAcknowledgements();
            var userRecords = publisher.UserRecordsForBatch();
            foreach (var (message, source, matches) in batch)
            {
                await publisher.PublishMatchesAsync(message, matches, source, userRecords, acknowledgements, CancellationToken.None);
            }
            if (userRecords is not null)
            {
                await publisher.PublishUserRecordsAsync(userRecords, acknowledgements, CancellationToken.None);
            }
            await acknowledgements.AllAsync();
        }
        process.Refresh();
        var publishCpu = process.TotalProcessorTime - cpu;
        var publishAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "reader", ConsumeResultFields = "none" }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(Topic, p)).ToArray();
        var end = 0L;
        foreach (var partition in partitions)
        {
            var marks = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10));
            if (marks.Low.Value != 0)
            {
                throw new InvalidOperationException($"The embedded Kafka trimmed {partition}: fewer matches per workload.");
            }
            end += marks.High.Value;
        }
        cpu = process.TotalProcessorTime;
        allocated = GC.GetTotalAllocatedBytes(precise: true);
        consumer.Assign(partitions.Select(p => new TopicPartitionOffset(p, Offset.Beginning)));
        long records = 0, matchesRead = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (records < end && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                records++;
                matchesRead += Matches(result.Message.Value, layout);
            }
        }
        process.Refresh();
        var readCpu = process.TotalProcessorTime - cpu;
        var readAllocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var published = batches.Sum(batch => batch.Sum(item => item.Matches.Length));
        if (matchesRead != published)
        {
            throw new InvalidOperationException($"Read {matchesRead} of {published} matches ({records} of {end} records).");
        }
        return new Round(records, published, publishCpu, publishAllocated, readCpu, readAllocated);
    }

    /// <summary>Parses the whole record, as a consumer does; returns its matches.</summary>
    private static int Matches(byte[] value, MatchRecordLayout layout)
    {
        var reader = new Utf8JsonReader(value);
        var matches = layout == MatchRecordLayout.PerMatch ? 1 : 0;
        while (reader.Read())
        {
            // PerUserBatch: {"messages":[{"matches":[{…}]}]} puts a match's object at depth 4.
            if (layout == MatchRecordLayout.PerUserBatch && reader.CurrentDepth == 4 && reader.TokenType == JsonTokenType.StartObject)
            {
                matches++;
            }
        }
        return matches;
    }
}
