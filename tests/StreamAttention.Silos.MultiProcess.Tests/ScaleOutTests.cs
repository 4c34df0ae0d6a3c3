using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using StreamAttention.Ingest.Options;
using Xunit.Abstractions;

namespace StreamAttention.Silos.MultiProcess.Tests;

/// <summary>
/// An operator scales a Redis cluster out and back in while a stream flows: <c>local</c> (the ingest and the first
/// silo) reads a steady stream from a Kafka of the test's own, two silos join one after the other, then one leaves
/// (SIGTERM). Every message gets one outcome, every match it should get once, and every interest still scores. The
/// Kafka is <c>kafka-dev</c>, a process of its own: a native fault in the mock cluster fails this test, not the test host.
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int UserCount = 80;
    private const int InterestsPerUser = 3;
    private const string InputTopic = "streamattention.messages";
    private const string OutputTopic = "streamattention.matches";
    private const int Partitions = 4;

    /// <summary>Messages processed between two moves: at the stream's pace, several of the shards' spread checks.</summary>
    private const int MessagesPerStep = 100;

    /// <summary>
    /// Shards look for their silo of the spread every 2 s instead of 10 s, so that the test's stream can be short; and
    /// each silo logs the shards it rebuilt, which tell that the moves happened.
    /// </summary>
    private static readonly string[] SpreadCheck = ["--Sharding:SpreadCheck=00:00:02", "--Logging:LogLevel:StreamAttention.Grains.Shards.ScoringShardGrain=Information"];

    /// <summary>The silos' ingest consumer group (<c>Ingest:GroupId</c>'s default).</summary>
    private static readonly string IngestGroup = new KafkaIngestOptions().GroupId;

    /// <summary>Each ingest logs its consumer's assignments and its stop, which tell that partitions changed hands.</summary>
    private static readonly string[] IngestLog = ["--Logging:LogLevel:StreamAttention.Ingest.Pipeline.KafkaIngestService=Information"];

    /// <summary>The stream's pace: one message every 50 ms (20 messages/s), as a steady production stream, not a burst.</summary>
    private static readonly TimeSpan MessageInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Generous, for a busy CI machine: what the stream and the moves take alone is a few seconds.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static readonly string[] Topics =
    [
        "postgresql database performance tuning", "formula one racing", "chocolate cake recipes",
        "stock market investing", "electric cars and batteries", "jazz music concerts",
    ];

    private static readonly string[] Users = Enumerable.Range(0, UserCount).Select(i => $"user-{i:D2}").ToArray();

    private readonly List<SiloProcess> _silos = [];
    private RedisServer? _redis;
    private KafkaDevProcess? _kafka;

    /// <summary>Stops the output topic's reader, after the test or when it failed.</summary>
    private readonly CancellationTokenSource _reading = new();

    /// <summary>The output topic's reader: a Kafka client in this process, so it ends before its broker does.</summary>
    private Task? _matchesRead;

    /// <summary>Stops the input stream's producer, after the test or when it failed.</summary>
    private readonly CancellationTokenSource _streaming = new();

    /// <summary>The input stream: its producer is a Kafka client in this process too, so it ends before its broker does.</summary>
    private Task? _streamed;

    /// <summary>How many messages the input stream has produced so far: m0 … m(n−1).</summary>
    private volatile int _produced;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _kafka = await KafkaDevProcess.StartAsync(Partitions);
    }

    [Fact]
    public async Task Silos_that_join_and_one_that_leaves_under_a_stream_lose_and_repeat_no_message_nor_match()
    {
        var first = await StartAsync(SiloProcess.StartLocalAsync("first", [.. _redis!.ClusteringConfiguration, .. SpreadCheck, "--kafka", _kafka!.BootstrapServers]));
        await ImportAsync(first);
        var scoredBefore = await ScoreAsync(first);

        var stream = ProduceUntilCancelledAsync(_streaming.Token);
        _streamed = stream;
        await ProcessedAsync(first, MessagesPerStep);
        var matchesRead = ReadMatchesUntilStoppedAsync(_reading.Token);
        _matchesRead = matchesRead;

        // Each move happens under the stream, and the stream goes on past the shards' next spread checks.
        var second = await StartAsync(SiloProcess.StartAsync("second", [.. _redis.ClusteringConfiguration, .. SpreadCheck]));
        await ProcessedAsync(first, MessagesPerStep);
        var third = await StartAsync(SiloProcess.StartAsync("third", [.. _redis.ClusteringConfiguration, .. SpreadCheck]));
        await ProcessedAsync(first, MessagesPerStep);
        var leaving = StopWithoutErrorsAsync(second);
        await ProcessedAsync(first, MessagesPerStep);
        var secondLog = await leaving;
        await _streaming.CancelAsync();
        var produced = await stream;

        var outcomes = await OutcomesOnceAllAsync(first, produced);
        output.WriteLine($"{produced} messages: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");
        Assert.Equal(0, await CounterAsync(first, "streamattention_ingest_restarts_total"));

        await _reading.CancelAsync();
        var published = await matchesRead;
        var expected = ExpectedMatches(produced);
        var missing = expected.Except(published.Select(m => m.Key)).ToArray();
        var unexpected = published.Select(m => m.Key).Except(expected).ToArray();
        var repeated = published.GroupBy(m => m.MatchId).Where(g => g.Count() > 1).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} of {expected.Count} matches not published, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(unexpected.Length == 0, $"{unexpected.Length} matches published that no message should have, e.g. {string.Join(", ", unexpected.Take(5))}");
        Assert.True(repeated.Length == 0, $"{repeated.Length} match ids published more than once, e.g. {string.Join(", ", repeated.Take(5).Select(g => g.Key))}");

        // The shards the leaver held were rebuilt on the others: every interest scores through both, as before the moves.
        Assert.Equal(scoredBefore, await ScoreAsync(first));
        Assert.Equal(scoredBefore, await ScoreAsync(third));

        var thirdLog = await StopWithoutErrorsAsync(third);
        var firstLog = await StopWithoutErrorsAsync(first);
        // Shards moved to each joiner, and some back to the first silo (as the spread over three or, after the leave, two
        // silos put them there): its own shards were created empty and filled by the import, which logs no rebuild.
        foreach (var (name, log) in new[] { ("second", secondLog), ("third", thirdLog), ("first", firstLog) })
        {
            Assert.True(Regex.IsMatch(log, @"Shard \d+ rebuilt from [1-9]\d* users"), $"silo {name} rebuilt no shard: {log}");
        }
        // The leaver's shards scored until they deactivated: no scoring call was refused as if its messages were at fault.
        var refused = Regex.Matches(firstLog, @"^.*Scoring call failed \(attempt \d+: refused\).*$", RegexOptions.Multiline).Select(m => m.Value).ToArray();
        Assert.True(refused.Length == 0, $"scoring calls refused during the moves: {string.Join(" | ", refused)}");
    }

    [Fact]
    public async Task A_silo_running_the_ingest_that_is_stopped_under_a_stream_hands_its_partitions_over_and_loses_no_match()
    {
        var first = await StartAsync(SiloProcess.StartLocalAsync("first", [.. _redis!.ClusteringConfiguration, .. SpreadCheck, .. IngestLog, "--kafka", _kafka!.BootstrapServers]));
        await ImportAsync(first);
        var scoredBefore = await ScoreAsync(first);
        // The second silo's ingest joins the first's consumer group: each then reads part of the topic's partitions.
        var second = await StartAsync(SiloProcess.StartAsync("second",
            [.. _redis.ClusteringConfiguration, .. SpreadCheck, .. IngestLog, "--Ingest:Enabled=true", $"--Ingest:BootstrapServers={_kafka.BootstrapServers}"]));

        var stream = ProduceUntilCancelledAsync(_streaming.Token);
        _streamed = stream;
        var matchesRead = ReadMatchesUntilStoppedAsync(_reading.Token);
        _matchesRead = matchesRead;
        await ProcessedAsync(second, MessagesPerStep);
        await ProcessedAsync(first, MessagesPerStep);
        // Both hold partitions now: a repeat of what the join's rebalances left uncommitted concerns messages before these.
        var producedBeforeLeave = _produced;

        // A rolling upgrade or a scale-in: the silo that holds partitions and shards is stopped under the stream.
        var secondLog = await StopWithoutErrorsAsync(second);
        await ProcessedAsync(first, MessagesPerStep);
        await _streaming.CancelAsync();
        var produced = await stream;
        await CaughtUpAsync();
        Assert.Equal(0, await CounterAsync(first, "streamattention_ingest_restarts_total"));
        Assert.Equal(0, await CounterAsync(first, "streamattention_ingest_dead_letters_total"));

        await _reading.CancelAsync();
        var published = await matchesRead;
        var expected = ExpectedMatches(produced);
        var missing = expected.Except(published.Select(m => m.Key)).ToArray();
        var unexpected = published.Select(m => m.Key).Except(expected).ToArray();
        Assert.True(missing.Length == 0, $"{missing.Length} of {expected.Count} matches not published, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(unexpected.Length == 0, $"{unexpected.Length} matches published that no message should have, e.g. {string.Join(", ", unexpected.Take(5))}");
        // The leaver committed what it finished before it left, and the survivor, given its partitions back, resumed past
        // what it finished even where the rebalancing group rejected its commit: the leave repeats no message.
        var repeated = published.GroupBy(m => m.MatchId).Where(g => g.Count() > 1).ToArray();
        var repeatedSinceLeave = repeated.Where(g => int.Parse(g.First().Key.MessageId[1..]) >= producedBeforeLeave).ToArray();
        output.WriteLine($"{produced} messages, {published.Count} match records, {repeated.Length} match ids repeated, {repeatedSinceLeave.Length} of messages from m{producedBeforeLeave} on");
        Assert.True(repeatedSinceLeave.Length == 0, $"{repeatedSinceLeave.Length} match ids of messages from m{producedBeforeLeave} on published more than once, e.g. {string.Join(", ", repeatedSinceLeave.Take(5).Select(g => g.Key))}");
        Assert.Equal(scoredBefore, await ScoreAsync(first));

        // The leaver drained its batches, committed and left the group; the survivor took every partition over.
        Assert.Contains("Kafka consumer revoked", secondLog);
        Assert.Contains("Kafka ingest stopped", secondLog);
        var firstLog = await StopWithoutErrorsAsync(first);
        var assignments = Regex.Matches(firstLog, @"Kafka consumer assigned (?<partitions>.*)$", RegexOptions.Multiline);
        Assert.True(assignments.Count > 0 && Regex.Matches(assignments[^1].Groups["partitions"].Value, @"\[\[\d+\]\]").Count == Partitions,
            $"the survivor's last assignment was not every partition: {string.Join(" | ", assignments.Select(a => a.Value))}");
    }

    /// <summary>
    /// Orleans' own errors when a call still reaches a silo that is stopping (Deploy/README lists them): it refuses a
    /// forwarded call, which its caller retries elsewhere, or ends an activation it had begun for one (the activation
    /// named Deactivating or Invalid: its start cancelled, its state read refused). The test's counts show that nothing
    /// is lost with them; any other error fails it.
    /// </summary>
    private static readonly Regex[] OrleansStoppingErrors =
    [
        new(@"Orleans\.Messaging\[100071\] Failed to address message .* Orleans\.Runtime\.SiloUnavailableException: Silo '[^']+' is shutting down\."),
        new(@"^\S+ fail: Orleans\.Grain\[\d+\] .*\[Activation: [^\]]* State=(Deactivating|Invalid)\]"),
    ];

    /// <summary>SIGTERM: the silo leaves the cluster gracefully, exits with 0 and has logged no error an operator would have to act on; returns its log.</summary>
    private static async Task<string> StopWithoutErrorsAsync(SiloProcess silo)
    {
        var (exitCode, log) = await silo.TerminateAsync();
        var errors = Regex.Matches(log, @"^\d\d:\d\d:\d\d (fail|crit): .*$", RegexOptions.Multiline).Select(m => m.Value)
            .Where(error => !OrleansStoppingErrors.Any(expected => expected.IsMatch(error))).ToArray();
        // A stop that ran out of time says where in its last lines (Orleans warns of a lifecycle stage that stops slowly).
        var lastLines = exitCode == 0 ? "" : $"; its log ended: {string.Join(" | ", log.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(40))}";
        Assert.True(exitCode == 0 && errors.Length == 0, $"silo {silo.Name} exited with {exitCode}, errors logged: {string.Join(" | ", errors)}{lastLines}");
        return log;
    }

    public async Task DisposeAsync()
    {
        await _streaming.CancelAsync();
        await _reading.CancelAsync();
        // Their outcomes are the test's (awaited there); here they only have to have ended.
        foreach (var client in new[] { _streamed, _matchesRead })
        {
            if (client is not null)
            {
                await client.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        foreach (var silo in _silos)
        {
            silo.Dispose();
        }
        _redis?.Dispose();
        _kafka?.Dispose();
        _streaming.Dispose();
        _reading.Dispose();
    }

    private async Task<SiloProcess> StartAsync(Task<SiloProcess> starting)
    {
        var silo = await starting;
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Message i is topic i mod 6 in a sentence, with the id m{i}.</summary>
    private static string MessageText(int i) => $"a long thread about {Topics[i % Topics.Length]} this week";

    /// <summary>Produces messages m0, m1, … at the stream's pace, each acknowledged, until cancelled; returns how many.</summary>
    private async Task<int> ProduceUntilCancelledAsync(CancellationToken cancellation)
    {
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = _kafka!.BootstrapServers, EnableIdempotence = true }).Build();
        var deliveries = new List<Task>();
        using var pace = new PeriodicTimer(MessageInterval);
        while (await WaitOrCancelledAsync(pace, cancellation))
        {
            var i = deliveries.Count;
            var value = JsonSerializer.Serialize(new { id = $"m{i}", text = MessageText(i) });
            deliveries.Add(producer.ProduceAsync(InputTopic, new Message<Null, string> { Value = value }, CancellationToken.None));
            _produced = deliveries.Count;
        }
        await Task.WhenAll(deliveries).WaitAsync(Deadline);
        return deliveries.Count;
    }

    private static async Task<bool> WaitOrCancelledAsync(PeriodicTimer pace, CancellationToken cancellation)
    {
        try
        {
            return await pace.WaitForNextTickAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>User i follows topics i, i+1 and i+2 (mod the topic count) with ids "t{topic}".</summary>
    private static IEnumerable<(string User, int Topic)> Follows()
        => Users.SelectMany((user, i) => Enumerable.Range(i, InterestsPerUser).Select(t => (user, t % Topics.Length)));

    /// <summary>Every message matches the interests on its topic, far above the threshold, and nothing else.</summary>
    private static HashSet<(string MessageId, string User, string Interest)> ExpectedMatches(int messages)
        => Enumerable.Range(0, messages)
            .SelectMany(i => Follows().Where(f => f.Topic == i % Topics.Length).Select(f => ($"m{i}", f.User, $"t{f.Topic}")))
            .ToHashSet();

    private static async Task ImportAsync(SiloProcess silo)
    {
        var lines = Follows().Select(f => JsonSerializer.Serialize(new { userId = f.User, id = $"t{f.Topic}", text = Topics[f.Topic] }));
        using var content = new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson");
        using var response = await silo.Http.PostAsync("/interests:import", content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"import through silo {silo.Name}: HTTP {(int)response.StatusCode} {body}");
    }

    /// <summary>The matches of one message per topic through <paramref name="silo"/>, as (text, user, interest) with their scores rounded.</summary>
    private static async Task<string[]> ScoreAsync(SiloProcess silo)
    {
        using var response = await silo.Http.PostAsJsonAsync("/score", new { texts = Topics.Select((_, i) => MessageText(i)) });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /score through silo {silo.Name}: HTTP {(int)response.StatusCode} {body}");
        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("matches").EnumerateArray()
            .Select(m => $"{m.GetProperty("textIndex").GetInt32()} {m.GetProperty("userId").GetString()} {m.GetProperty("interestId").GetString()} {m.GetProperty("score").GetSingle():F2}")
            .Order()
            .ToArray();
    }

    /// <summary>Waits until the ingest has processed <paramref name="more"/> messages more than it had when called.</summary>
    private static async Task ProcessedAsync(SiloProcess silo, int more)
    {
        var target = (await OutcomesAsync(silo)).Values.Sum() + more;
        var deadline = DateTime.UtcNow + Deadline;
        var processed = 0.0;
        while (DateTime.UtcNow < deadline && (processed = (await OutcomesAsync(silo)).Values.Sum()) < target)
        {
            await Task.Delay(500);
        }
        Assert.True(processed >= target, $"the ingest processed {processed} messages within {Deadline.TotalSeconds} s, not the {target} it was waited for");
    }

    /// <summary>
    /// Waits until the ingest group has committed every input partition to its end: each message's batch finished and
    /// its matches were acknowledged. Not the consumer lag gauge: reported once a second, a 0 may be from before the
    /// stream's last messages (a consumer that keeps up with 20 msg/s often has none left), and then the output's reader
    /// was stopped with only the rest of its 3 s quiet period between it and the last matches.
    /// </summary>
    private async Task CaughtUpAsync()
    {
        using var group = new ConsumerBuilder<Ignore, Ignore>(KafkaClients.Consumer(_kafka!.BootstrapServers, IngestGroup)).Build();
        var partitions = Enumerable.Range(0, Partitions).Select(p => new TopicPartition(InputTopic, p)).ToArray();
        var ends = partitions.ToDictionary(p => p, p => group.QueryWatermarkOffsets(p, Deadline).High.Value);
        var deadline = DateTime.UtcNow + Deadline;
        var behind = ends;
        while (DateTime.UtcNow < deadline
            && (behind = group.Committed(partitions, Deadline).Where(c => ends[c.TopicPartition] > 0 && c.Offset.Value < ends[c.TopicPartition]).ToDictionary(c => c.TopicPartition, c => c.Offset.Value)).Count > 0)
        {
            await Task.Delay(500);
        }
        Assert.True(behind.Count == 0, $"the ingest group's commits after {Deadline.TotalSeconds} s: {string.Join(", ", behind.Select(b => $"{b.Key.Partition.Value} at {b.Value} of {ends[b.Key]}"))}");
    }

    private static async Task<Dictionary<string, double>> OutcomesAsync(SiloProcess silo)
        => Regex.Matches(await silo.Http.GetStringAsync("/metrics"), @"^streamattention_ingest_messages_total\{[^}]*outcome=""(?<outcome>[^""]+)""[^}]*\} (?<count>\S+)", RegexOptions.Multiline)
            .GroupBy(m => m.Groups["outcome"].Value)
            .ToDictionary(g => g.Key, g => g.Sum(m => double.Parse(m.Groups["count"].Value)));

    /// <summary>The ingest's outcome counts once they add up to <paramref name="messages"/>; fails past the deadline with what they were.</summary>
    private static async Task<Dictionary<string, double>> OutcomesOnceAllAsync(SiloProcess silo, int messages)
    {
        var deadline = DateTime.UtcNow + Deadline;
        var outcomes = new Dictionary<string, double>();
        while (DateTime.UtcNow < deadline)
        {
            outcomes = await OutcomesAsync(silo);
            if (outcomes.Values.Sum() >= messages)
            {
                break;
            }
            await Task.Delay(500);
        }
        Assert.True(outcomes.Values.Sum() == messages && outcomes.Keys.All(o => o is "matched" or "no_match"),
            $"{messages} messages produced, outcomes after up to {Deadline.TotalSeconds} s: {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}");
        return outcomes;
    }

    private static async Task<double> CounterAsync(SiloProcess silo, string name)
    {
        var metrics = await silo.Http.GetStringAsync("/metrics");
        return Regex.Matches(metrics, $@"^{name}(\{{[^}}]*\}})? (?<count>\S+)", RegexOptions.Multiline).Sum(m => double.Parse(m.Groups["count"].Value));
    }

    /// <summary>
    /// Every record of the output topic, from the start, read as they come (the mock Kafka drops a partition's oldest
    /// records past a few MiB, which a slow run's stream reached when it was read at the end), until
    /// <paramref name="stop"/> and then quiet for a while.
    /// </summary>
    private Task<List<(string MatchId, (string MessageId, string User, string Interest) Key)>> ReadMatchesUntilStoppedAsync(CancellationToken stop) => Task.Run(() =>
    {
        using var consumer = new ConsumerBuilder<string, string>(KafkaClients.Consumer(_kafka!.BootstrapServers, "reader-" + Guid.NewGuid())).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(OutputTopic, p, Offset.Beginning)));
        var matches = new List<(string, (string, string, string))>();
        while (true)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(3)) is not { } record)
            {
                if (stop.IsCancellationRequested)
                {
                    return matches;
                }
                continue;
            }
            using var match = JsonDocument.Parse(record.Message.Value);
            var root = match.RootElement;
            matches.Add((root.GetProperty("matchId").GetString()!,
                (root.GetProperty("messageId").GetString()!, root.GetProperty("userId").GetString()!, root.GetProperty("interestId").GetString()!)));
        }
    });
}
