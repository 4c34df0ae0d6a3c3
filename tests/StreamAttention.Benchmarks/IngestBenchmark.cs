using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Users;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Import;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.EmbeddedKafka;
using StreamAttention.Ingest.Options;
using StreamAttention.Scoring.Options;
using StreamAttention.Testing;

namespace StreamAttention.Benchmarks;

/// <summary>
/// <c>--ingest</c>: end to end through Kafka. One silo (the real <c>streamattention silo</c> host, S = 8) hosts the
/// ingest pipeline (<c>Ingest:Enabled</c>) on an embedded Kafka with 8 partitions per topic, in the product's default
/// scoring configuration (calibrated scores at the default threshold) with the <c>--provider</c>'s embedder (the
/// default one unless given, as the scoring-alone rows). Interests are bulk-imported
/// through the importer (10 per user). A warm-up fills the silo's calibration background and measures every interest
/// against it (the first runs' work), in bursts of <see cref="WarmUpBurst"/> messages, each committed before the next.
/// Phase 1 then produces every message at once and measures messages/s until the group committed them all, and the
/// process's CPU time per message; phase 2 produces at half that rate (or at <c>--paced-rate</c>, the same for every
/// run compared) and measures the latency from a message's produce timestamp to its first match's produce timestamp. The output is consumed while the input is produced (the mock
/// keeps ~5 MiB per partition); counts are verified: every message committed and counted once by outcome, and no
/// partition dropped data. <c>--match-records PerUserBatch</c> runs the pipeline with one output record per user and
/// batch; the output is read and its matches counted in either layout. <c>--storage redis</c> keeps the grains' state in
/// a Redis of its own (a durable deployment's storage) instead of the silo's memory.
/// </summary>
internal static class IngestBenchmark
{
    private const int Partitions = 8;
    public const int InterestsPerUser = 10;
    private const string GroupId = "ingest-benchmark";
    /// <summary>Messages per warm-up burst: at least one scoring run each, so calibration gets one run per burst.</summary>
    private const int WarmUpBurst = 16;
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(BenchmarkSettings settings)
    {
        var corpus = BenchmarkCorpus.Load(settings.Workload, settings.Phrases);
        var texts = corpus.Messages(settings.Messages * (settings.FreshPaced ? 2 : 1));
        using var redis = settings.RedisStorage ? await RedisServer.StartAsync() : null;
        var result = await MeasureAsync(corpus, settings.Interests, texts[..settings.Messages], settings.Provider, settings.MatchRecords, settings.PacedRate,
            settings.FreshPaced ? texts[settings.Messages..] : null, redis);
        if (result.Lost != 0)
        {
            throw new InvalidOperationException($"Counted {result.Outcomes} outcomes for {result.Produced} messages.");
        }
        Console.WriteLine($"# ingest benchmark, workload {settings.Workload}, phrases {settings.Phrases}, {result.Configuration}, match records {result.MatchRecords}: {settings.Interests:N0} interests ({settings.Interests / InterestsPerUser:N0} users), "
            + $"{settings.Messages:N0} messages per phase, {Partitions} partitions, {Environment.ProcessorCount} cores, "
            + (settings.FreshPaced ? "paced phase on texts not produced before" : "paced phase on the saturated phase's texts again")
            + (redis is null ? ", memory storage" : ", Redis storage"));
        if (result.Dropped.Length > 0)
        {
            // Every message was still counted by outcome (above); only the match count is short.
            Console.WriteLine($"# the embedded Kafka trimmed {string.Join(", ", result.Dropped)} (~5 MiB each): the matches column counts what was read");
        }
        Console.WriteLine("| interests | import | warm-up | messages/s (saturated) | CPU/message | paced rate | p50 latency | p99 latency | matched / no match / dead-lettered | matches | records | restarts | lost | load average |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        Console.WriteLine($"| {settings.Interests:N0} | {result.Import.TotalSeconds:F1} s | {result.WarmUp.TotalSeconds:F1} s | {result.Saturated:N0} | {result.CpuPerMessage:F2} ms | {result.PacedRate:N0} msg/s | {result.P50:F0} ms | {result.P99:F0} ms "
            + $"| {result.Matched:N0} / {result.NoMatch:N0} / {result.DeadLettered:N0} | {result.Matches:N0} | {result.Records:N0} | {result.Restarts} | {result.Lost} | {result.LoadAverage} |");
        var phases = new[]
        {
            (Name: "saturated", Gc: result.SaturatedGc, Pauses: result.SaturatedPauses, Matches: result.SaturatedMatches, CpuPerMessage: result.CpuPerMessage),
            (Name: "paced", Gc: result.PacedGc, Pauses: result.PacedPauses, Matches: result.PacedMatches, CpuPerMessage: result.PacedCpuPerMessage),
        };
        foreach (var (phase, gc, pauses, _, _) in phases)
        {
            Console.WriteLine($"# GC in the {phase} phase: allocated {gc.Allocated / 1e6:N0} MB ({gc.Allocated / 1e3 / settings.Messages:N0} KB per message{Uncounted(pauses)}), "
                + $"collections gen0 {gc.Gen0} / gen1 {gc.Gen1} / gen2 {gc.Gen2}, paused {gc.Pause.TotalSeconds:F2} s in {pauses.Count} pauses, longest {pauses.Longest.TotalMilliseconds:F0} ms, "
                + $"heaps {(pauses.AllocationCounted ? $"{pauses.MostHeaps}" : $"{pauses.FewestHeaps}–{pauses.MostHeaps}")}");
        }
        // At half rate the process idles between messages: what its threads burn waiting shows here, not in the saturated phase.
        Console.WriteLine($"# paced phase: CPU/message {result.PacedCpuPerMessage:F2} ms at {result.PacedRate:N0} msg/s");
        Console.WriteLine($"# saturated phase: {result.SaturatedMatches:N0} matches in {result.SaturatedRecords:N0} records ({(double)result.SaturatedMatches / Math.Max(1, result.SaturatedRecords):F1} per record); live heap after the run {result.LiveHeap / 1e6:N0} MB");
        // The paced texts are new in each run with --fresh-paced, and a run's matches with them: per match, runs compare.
        foreach (var (phase, gc, pauses, matches, cpuPerMessage) in phases)
        {
            var perMatch = Math.Max(1, matches);
            Console.WriteLine($"# per match in the {phase} phase: {matches:N0} matches ({(double)matches / settings.Messages:N0} a message), "
                + $"CPU {cpuPerMessage * 1e3 * settings.Messages / perMatch:F1} µs, allocated {(double)gc.Allocated / perMatch:N0} bytes{Uncounted(pauses)}");
        }
        Console.WriteLine($"# GC settings: {GcCounters.Settings()}");
        if (result.SaturatedModel != default || result.PacedModel != default)
        {
            Console.WriteLine("# cascade: through the contextual model / near a threshold, left to fast scores by a budget / scored fast only (the load budget empty): "
                + $"saturated phase {result.SaturatedModel.Rescored:N0} / {result.SaturatedModel.OverBudget:N0} / {result.SaturatedModel.FastOnly:N0} messages, "
                + $"paced phase {result.PacedModel.Rescored:N0} / {result.PacedModel.OverBudget:N0} / {result.PacedModel.FastOnly:N0}");
            Console.WriteLine("# cascade: pairs rescored / left to fast scores by the cap per message: "
                + $"saturated phase {result.SaturatedModel.RescoredPairs:N0} / {result.SaturatedModel.OverCapPairs:N0}, "
                + $"paced phase {result.PacedModel.RescoredPairs:N0} / {result.PacedModel.OverCapPairs:N0}");
        }
    }

    /// <summary>What to say of a phase's allocated bytes when the GC changed its heap count during it (see <see cref="GcPauses"/>).</summary>
    private static string Uncounted(GcPauseSummary pauses)
        => pauses.AllocationCounted ? "" : $"; not counted right: the GC went between {pauses.FewestHeaps} and {pauses.MostHeaps} heaps";

    /// <summary>
    /// One silo with <paramref name="count"/> of <paramref name="corpus"/>'s phrases that its embedder knows
    /// (<see cref="BenchmarkCorpus.KnownPhrases"/>), with <paramref name="provider"/>'s embedder, a warm-up and both phases over <paramref name="texts"/>; counts every outcome, consumer restart and match.
    /// </summary>
    /// <param name="matchRecords">The pipeline's <c>Ingest:Output:MatchRecords</c>; null: its default.</param>
    /// <param name="pacedRate">Messages/s of the paced phase; null: half the saturated rate.</param>
    /// <param name="pacedTexts">The paced phase's texts (as many as <paramref name="texts"/>); null: <paramref name="texts"/> again.</param>
    /// <param name="redis">Where the grains' state is stored; null: in memory (the silo's default).</param>
    public static async Task<IngestResult> MeasureAsync(BenchmarkCorpus corpus, int count, string[] texts, string provider, string? matchRecords = null, double? pacedRate = null,
        string[]? pacedTexts = null, RedisServer? redis = null)
    {
        using var pauses = new GcPauses();
        await using var kafka = EmbeddedKafkaCluster.Start(1);
        foreach (var topic in new[] { "streamattention.messages", "streamattention.matches", "streamattention.notifications", "streamattention.dead-letters" })
        {
            kafka.CreateTopic(topic, Partitions);
        }
        // The provider's embedder with the product's default scoring (calibrated, default threshold), as the scoring-alone rows.
        await using var silo = await BenchmarkSilo.StartAsync(provider,
        [
            "--Ingest:Enabled=true", $"--Ingest:BootstrapServers={kafka.BootstrapServers}", $"--Ingest:GroupId={GroupId}",
            // Classic group joins wait session.timeout.ms − 1 s on the mock.
            "--Ingest:Consumer:session.timeout.ms=6000", "--Ingest:IncludeText=false",
            .. matchRecords is null ? Array.Empty<string>() : [$"--Ingest:Output:MatchRecords={matchRecords}"],
            .. redis?.StorageConfiguration ?? [],
        ]);
        using var outcomes = new OutcomeTotals();

        var embedder = silo.Services.GetRequiredService<ITextEmbedder>();
        var scoring = silo.Services.GetRequiredService<IOptions<ScoringOptions>>().Value;
        var layout = silo.Services.GetRequiredService<IOptions<KafkaIngestOptions>>().Value.Output.MatchRecords;
        var configuration = $"{embedder.Name}, {(scoring.Calibration == ScoreCalibration.None ? "raw" : "calibrated")} scores at {scoring.DefaultThreshold}";
        var interests = corpus.KnownPhrases(embedder, count);
        var importTime = Stopwatch.StartNew();
        var report = await silo.Services.GetRequiredService<InterestImporter>().ImportAsync(Lines(interests), CancellationToken.None);
        importTime.Stop();
        if (report.Imported != interests.Length)
        {
            throw new InvalidOperationException($"Imported {report.Imported} of {interests.Length} interests: {string.Join("; ", report.Errors.Take(3).Select(e => e.Message))}");
        }

        using var output = new OutputWatcher(kafka.BootstrapServers, layout);
        // One producer for every phase: a new idempotent producer holds its first messages until the cluster gave it a
        // producer id (50 ms to 1 s on the mock), which a phase's first messages counted as the pipeline's latency.
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers, EnableIdempotence = true, LingerMs = 5 }).Build();
        // A signal (SIGTERM, Ctrl+C) reaches the silo's host, whose console lifetime only marks it stopping: nothing here
        // runs the host, so the phases end on that mark and the silo stops as after the last phase.
        var stopping = silo.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        var warmUp = new Stopwatch();
        PhaseResult saturated, paced;
        long saturatedRecords, saturatedMatches, pacedMatches;
        ModelMessages saturatedModel, pacedModel;
        double rate;
        // One burst warms the path up; calibration needs MinBackgroundMessages in the background, then a run per
        // CalibrationMeasuresPerRun interests.
        var bursts = 1 + (scoring.Calibration == ScoreCalibration.None
            ? 0
            : (scoring.MinBackgroundMessages + WarmUpBurst - 1) / WarmUpBurst + (count + scoring.CalibrationMeasuresPerRun - 1) / scoring.CalibrationMeasuresPerRun);
        try
        {
            warmUp.Start();
            for (var b = 0; b < bursts; b++)
            {
                await RunPhaseAsync(kafka, producer, $"warm-up-{b}", Enumerable.Range(b * WarmUpBurst, WarmUpBurst).Select(i => texts[i % texts.Length]).ToArray(), ratePerSecond: null, output, pauses, stopping);
            }
            warmUp.Stop();

            // From the broker and the pipeline's own count, not the reader: it may lag or miss what the embedded Kafka trimmed.
            var (recordsBefore, matchesBefore, modelBefore) = (OutputRecords(kafka), outcomes.Matches, outcomes.Model);
            saturated = await RunPhaseAsync(kafka, producer, "sat", texts, ratePerSecond: null, output, pauses, stopping);
            (saturatedRecords, saturatedMatches, saturatedModel) = (OutputRecords(kafka) - recordsBefore, outcomes.Matches - matchesBefore, outcomes.Model - modelBefore);
            rate = pacedRate ?? Math.Max(1, saturated.MessagesPerSecond * 0.5);
            var (pacedMatchesBefore, pacedModelBefore) = (outcomes.Matches, outcomes.Model);
            paced = await RunPhaseAsync(kafka, producer, "paced", pacedTexts ?? texts, rate, output, pauses, stopping);
            (pacedMatches, pacedModel) = (outcomes.Matches - pacedMatchesBefore, outcomes.Model - pacedModelBefore);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await silo.StopAsync();
            throw;
        }

        var dropped = DroppedPartitions(kafka);
        if (dropped.Length == 0)
        {
            await output.WaitForAllAsync(kafka.BootstrapServers);
        }
        paced.Latencies.Sort();
        var liveHeap = GcCounters.LiveHeap();
        // Stops the pipeline (draining it) before the silo and then the Kafka it reads.
        await silo.StopAsync();
        return new IngestResult(configuration, importTime.Elapsed, warmUp.Elapsed, saturated.MessagesPerSecond, saturated.CpuPerMessage, rate, Percentiles.Of(paced.Latencies, 0.50), Percentiles.Of(paced.Latencies, 0.99),
            texts.Length + (pacedTexts ?? texts).Length + bursts * WarmUpBurst, outcomes.Matched, outcomes.NoMatch, outcomes.DeadLettered, outcomes.Restarts, output.Matches, output.Records, saturatedMatches, saturatedRecords, dropped,
            File.ReadAllText("/proc/loadavg").Split(' ')[0], layout, saturated.Gc, paced.Gc, saturated.Pauses, paced.Pauses, liveHeap, paced.CpuPerMessage, pacedMatches, saturatedModel, pacedModel);
    }

    private static async IAsyncEnumerable<ImportLine> Lines(string[] interests)
    {
        for (var i = 0; i < interests.Length; i++)
        {
            yield return new ImportLine(i + 1, $"user-{i / InterestsPerUser}", new InterestInput($"i{i % InterestsPerUser}", interests[i]));
        }
        await Task.CompletedTask;
    }

    /// <summary>
    /// Produces the texts (all at once, or paced), waits until all are committed; returns messages/s, per-message
    /// latencies in ms, and from the first produce to the last commit the process's CPU time per message, its GC
    /// counters and its GC pauses.
    /// </summary>
    private static async Task<PhaseResult> RunPhaseAsync(
        EmbeddedKafkaCluster kafka, IProducer<string, string> producer, string phase, string[] texts, double? ratePerSecond, OutputWatcher output, GcPauses pauses,
        CancellationToken stopping)
    {
        var (cpu, gc, startedAt) = (Process.GetCurrentProcess().TotalProcessorTime, GcCounters.Now(), DateTime.UtcNow);
        if (!phase.StartsWith("warm-up", StringComparison.Ordinal))
        {
            // On stderr, beside the table: when to attach a profiler or a heap snapshot to a measured phase.
            Console.Error.WriteLine($"# {phase} phase started at {startedAt:HH:mm:ss} UTC (process {Environment.ProcessId})");
        }
        var produceTimes = new ConcurrentDictionary<string, DateTime>();
        var started = Stopwatch.StartNew();
        var deliveries = new List<Task>(texts.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            if (ratePerSecond is { } rate && TimeSpan.FromSeconds(i / rate) - started.Elapsed is { } ahead && ahead > TimeSpan.Zero)
            {
                await Task.Delay(ahead, stopping);
            }
            var id = $"{phase}-{i}";
            // The message's create time, as the pipeline's producer stamps each match with its own.
            var now = DateTime.UtcNow;
            produceTimes[id] = now;
            deliveries.Add(producer.ProduceAsync("streamattention.messages", new Message<string, string>
            {
                Key = $"key-{i % 64}",
                Value = JsonSerializer.Serialize(new { id, text = texts[i] }),
                Timestamp = new Timestamp(now),
            }));
        }
        await Task.WhenAll(deliveries);
        await WaitForAllCommittedAsync(kafka, stopping);
        var elapsed = started.Elapsed;
        // Taken with the rate, before the catch-up: that waits up to 30 s when the embedded Kafka trimmed output the
        // watcher had not read yet, and what the process did meanwhile is not the phase's work.
        var cpuAtCommit = Process.GetCurrentProcess().TotalProcessorTime;
        var gcAtCommit = GcCounters.Now();
        var committedAt = DateTime.UtcNow;
        // The watcher reads on its own thread: without this, the phase's last matches (often its slowest) were missed.
        await output.CatchUpAsync(kafka.BootstrapServers);
        var latencies = produceTimes.Select(p => output.FirstMatch(p.Key) is { } at ? (at - p.Value).TotalMilliseconds : (double?)null)
            .OfType<double>().ToList();
        return new PhaseResult(texts.Length / elapsed.TotalSeconds, latencies, (cpuAtCommit - cpu).TotalMilliseconds / texts.Length, gcAtCommit - gc,
            pauses.Between(startedAt, committedAt));
    }

    private static async Task WaitForAllCommittedAsync(EmbeddedKafkaCluster kafka, CancellationToken stopping)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = GroupId }).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition("streamattention.messages", p)).ToArray();
        var deadline = DateTime.UtcNow + Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10));
            if (committed.All(c => c.Offset.Value >= 0 && c.Offset.Value == consumer.QueryWatermarkOffsets(c.TopicPartition, TimeSpan.FromSeconds(10)).High.Value))
            {
                return;
            }
            await Task.Delay(20, stopping);
        }
        throw new TimeoutException("The ingest did not commit every message in time.");
    }

    /// <summary>The records on the output topic so far (the sum of its partitions' high watermarks).</summary>
    private static long OutputRecords(EmbeddedKafkaCluster kafka)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "watermarks" }).Build();
        return Enumerable.Range(0, Partitions).Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition("streamattention.matches", p), TimeSpan.FromSeconds(10)).High.Value);
    }

    /// <summary>The mock drops a partition's oldest data past ~5 MiB: the partitions whose low watermark is not 0 lost samples.</summary>
    private static string[] DroppedPartitions(EmbeddedKafkaCluster kafka)
    {
        var dropped = new List<string>();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = kafka.BootstrapServers, GroupId = "watermarks" }).Build();
        foreach (var topic in new[] { "streamattention.messages", "streamattention.matches" })
        {
            for (var p = 0; p < Partitions; p++)
            {
                if (consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).Low.Value != 0)
                {
                    dropped.Add($"{topic}/{p}");
                }
            }
        }
        return [.. dropped];
    }

    /// <summary>
    /// Reads the output topic while the benchmark runs, in either layout: the first match's produce timestamp per
    /// message, and the records and matches read.
    /// </summary>
    private sealed class OutputWatcher : IDisposable
    {
        private readonly ConcurrentDictionary<string, DateTime> _first = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly Thread _thread;
        private long _records;
        private long _matches;

        public OutputWatcher(string bootstrapServers, MatchRecordLayout layout)
        {
            // Only the value and the timestamp are read, the value straight from librdkafka's buffer: no key, headers or
            // topic are copied out per match, nor the value (the watcher shares the silo's process, cores and garbage
            // collector: a copy of every record was a tenth of the process's allocation).
            var consumer = new ConsumerBuilder<Ignore, RecordRead>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "watcher", ConsumeResultFields = "timestamp" })
                .SetValueDeserializer(new RecordReader(layout))
                .Build();
            consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset("streamattention.matches", p, Offset.Beginning)));
            _thread = new Thread(() =>
            {
                using (consumer)
                {
                    while (!_stop.IsCancellationRequested)
                    {
                        if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                        {
                            var (matches, messageIds) = result.Message.Value;
                            foreach (var messageId in messageIds)
                            {
                                _first.TryAdd(messageId, result.Message.Timestamp.UtcDateTime);
                            }
                            Interlocked.Add(ref _matches, matches);
                            Interlocked.Increment(ref _records);
                        }
                    }
                }
            })
            { IsBackground = true };
            _thread.Start();
        }

        public long Matches => Interlocked.Read(ref _matches);

        public long Records => Interlocked.Read(ref _records);

        /// <summary>Until every published record was read (bounded): the printed counts are then the output topic's whole content.</summary>
        public async Task WaitForAllAsync(string bootstrapServers)
        {
            var published = await CatchUpAsync(bootstrapServers);
            if (Records != published)
            {
                throw new InvalidOperationException($"Read {Records} of {published} published records.");
            }
        }

        /// <summary>Waits (bounded) until the watcher has read as many records as were published so far; returns that number.</summary>
        public async Task<long> CatchUpAsync(string bootstrapServers)
        {
            using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "watermarks" }).Build();
            var published = Enumerable.Range(0, Partitions)
                .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition("streamattention.matches", p), TimeSpan.FromSeconds(10)).High.Value);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (Records < published && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
            return published;
        }

        public DateTime? FirstMatch(string messageId) => _first.TryGetValue(messageId, out var at) ? at : null;

        public void Dispose()
        {
            _stop.Cancel();
            _thread.Join();
        }
    }

    /// <summary>What the watcher takes from a record: its matches, and the ids of the messages they are of.</summary>
    private readonly record struct RecordRead(int Matches, string[] MessageIds);

    /// <summary>Reads a record of either layout from librdkafka's buffer, no copy of it made.</summary>
    private sealed class RecordReader(MatchRecordLayout layout) : IDeserializer<RecordRead>
    {
        public RecordRead Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
            => layout == MatchRecordLayout.PerUserBatch ? ReadUserRecord(data) : ReadMatch(data);

        /// <summary>A <c>PerMatch</c> record: one match; reads up to its <c>messageId</c> only.</summary>
        private static RecordRead ReadMatch(ReadOnlySpan<byte> match)
        {
            var reader = new Utf8JsonReader(match);
            while (reader.Read())
            {
                if (reader.CurrentDepth == 1 && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("messageId"u8))
                {
                    reader.Read();
                    return new RecordRead(1, [reader.GetString()!]);
                }
                if (reader.CurrentDepth == 1 && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }
            throw new InvalidOperationException("A match without messageId.");
        }

        /// <summary>A <c>PerUserBatch</c> record: each message's <c>messageId</c>, and its matches counted without reading them.</summary>
        private static RecordRead ReadUserRecord(ReadOnlySpan<byte> record)
        {
            var reader = new Utf8JsonReader(record);
            var (matches, messageIds) = (0, new List<string>());
            while (reader.Read())
            {
                // A message's fields: {"messages":[{…}]} puts them at depth 3.
                if (reader.CurrentDepth != 3 || reader.TokenType != JsonTokenType.PropertyName)
                {
                    continue;
                }
                if (reader.ValueTextEquals("messageId"u8))
                {
                    reader.Read();
                    messageIds.Add(reader.GetString()!);
                }
                else if (reader.ValueTextEquals("matches"u8))
                {
                    reader.Read();
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        matches++;
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            return new RecordRead(matches, [.. messageIds]);
        }
    }

    /// <summary>Sums the pipeline's message outcomes, matches published, consumer restarts and the cascade's model messages (meter "StreamAttention").</summary>
    private sealed class OutcomeTotals : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _matched, _noMatch, _deadLettered, _restarts, _matches, _modelMessages, _overBudgetMessages, _fastOnlyMessages, _rescoredPairs, _overCapPairs;

        public OutcomeTotals()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == InstrumentNames.Meter && instrument.Name is InstrumentNames.IngestMessages or InstrumentNames.IngestRestarts or InstrumentNames.IngestMatches
                    or InstrumentNames.ScoringRescoredMessages or InstrumentNames.ScoringOverBudgetMessages or InstrumentNames.ScoringFastOnlyMessages
                    or InstrumentNames.ScoringRescoredPairs or InstrumentNames.ScoringOverCapPairs)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                switch (instrument.Name)
                {
                    case InstrumentNames.IngestRestarts:
                        Interlocked.Add(ref _restarts, value);
                        return;
                    case InstrumentNames.IngestMatches:
                        Interlocked.Add(ref _matches, value);
                        return;
                    case InstrumentNames.ScoringRescoredMessages:
                        Interlocked.Add(ref _modelMessages, value);
                        return;
                    case InstrumentNames.ScoringOverBudgetMessages:
                        Interlocked.Add(ref _overBudgetMessages, value);
                        return;
                    case InstrumentNames.ScoringFastOnlyMessages:
                        Interlocked.Add(ref _fastOnlyMessages, value);
                        return;
                    case InstrumentNames.ScoringRescoredPairs:
                        Interlocked.Add(ref _rescoredPairs, value);
                        return;
                    case InstrumentNames.ScoringOverCapPairs:
                        Interlocked.Add(ref _overCapPairs, value);
                        return;
                }
                foreach (var tag in tags)
                {
                    switch (tag.Key == "outcome" ? (string?)tag.Value : null)
                    {
                        case IngestInstruments.Matched:
                            Interlocked.Add(ref _matched, value);
                            break;
                        case IngestInstruments.NoMatch:
                            Interlocked.Add(ref _noMatch, value);
                            break;
                        case IngestInstruments.DeadLettered:
                            Interlocked.Add(ref _deadLettered, value);
                            break;
                    }
                }
            });
            _listener.Start();
        }

        public long Matched => Interlocked.Read(ref _matched);
        public long NoMatch => Interlocked.Read(ref _noMatch);
        public long DeadLettered => Interlocked.Read(ref _deadLettered);
        public long Restarts => Interlocked.Read(ref _restarts);
        public long Matches => Interlocked.Read(ref _matches);

        /// <summary>Cascade: messages run through the contextual model, those near a threshold a budget left to their fast scores, those scored fast only, and the pairs rescored and left by the cap.</summary>
        public ModelMessages Model => new(Interlocked.Read(ref _modelMessages), Interlocked.Read(ref _overBudgetMessages), Interlocked.Read(ref _fastOnlyMessages),
            Interlocked.Read(ref _rescoredPairs), Interlocked.Read(ref _overCapPairs));

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>One phase of a run, from its first produce to its last commit.</summary>
internal sealed record PhaseResult(double MessagesPerSecond, List<double> Latencies, double CpuPerMessage, GcCounters Gc, GcPauseSummary Pauses);

/// <summary>
/// One end-to-end run: its scoring configuration, saturated rate and the process's CPU time per message then, latency
/// and CPU time per message (<see cref="PacedCpuPerMessage"/>) at the paced rate (half of that rate unless given), each phase's GC counters and pauses, every message accounted for, and the machine's 1-minute load average at the end. <see cref="Dropped"/>:
/// partitions the embedded Kafka trimmed (its retention is ~5 MiB each), so their output was not all read. <see cref="Records"/>:
/// the output topic's records, as many as <see cref="Matches"/> unless <see cref="MatchRecords"/> is <c>PerUserBatch</c>;
/// <see cref="SaturatedMatches"/>, <see cref="SaturatedRecords"/>, <see cref="PacedMatches"/>: those each phase published (the
/// pipeline's count of matches, the output topic's watermarks).
/// </summary>
internal sealed record IngestResult(string Configuration, TimeSpan Import, TimeSpan WarmUp, double Saturated, double CpuPerMessage, double PacedRate,
    double P50, double P99, long Produced, long Matched, long NoMatch, long DeadLettered, long Restarts, long Matches, long Records, long SaturatedMatches, long SaturatedRecords, string[] Dropped, string LoadAverage,
    MatchRecordLayout MatchRecords, GcCounters SaturatedGc, GcCounters PacedGc, GcPauseSummary SaturatedPauses, GcPauseSummary PacedPauses, long LiveHeap, double PacedCpuPerMessage,
    long PacedMatches, ModelMessages SaturatedModel, ModelMessages PacedModel)
{
    public long Outcomes => Matched + NoMatch + DeadLettered;

    /// <summary>Messages produced without an outcome (a message counted twice would make this negative).</summary>
    public long Lost => Produced - Outcomes;
}

/// <summary>
/// Cascade: messages run through the contextual model, those near a threshold that a budget left to their fast scores,
/// those of runs scored by the fast tier alone while the load budget was empty; and the pairs rescored, and those that the
/// cap per message left to their fast scores.
/// </summary>
internal readonly record struct ModelMessages(long Rescored, long OverBudget, long FastOnly, long RescoredPairs, long OverCapPairs)
{
    public static ModelMessages operator -(ModelMessages after, ModelMessages before)
        => new(after.Rescored - before.Rescored, after.OverBudget - before.OverBudget, after.FastOnly - before.FastOnly,
            after.RescoredPairs - before.RescoredPairs, after.OverCapPairs - before.OverCapPairs);
}
