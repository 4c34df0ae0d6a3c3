using System.Diagnostics;
using System.Net.Sockets;
using Confluent.Kafka;

namespace StreamAttention.Ingest.EmbeddedKafka.Tests;

/// <summary>Other processes reach the cluster over TCP: Debian's kcat, and the cluster hosted by <c>streamattention kafka-dev</c>.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Debian's package kcat (apt-get install -y kcat; .ci/run installs it).</summary>
    private const string Kcat = "kcat";

    [Fact]
    public async Task KcatListsMetadataAndConsumesWhatATestProduced()
    {
        await using var cluster = EmbeddedKafkaCluster.Start(brokerCount: 2);
        cluster.CreateTopic("kcat-topic", 3);
        using (var producer = new ProducerBuilder<string, string>(KafkaClients.Producer(cluster)).Build())
        {
            await KafkaClients.ProduceNumbered(producer, "kcat-topic", 50);
        }

        var (metadataExit, metadata, _) = await ChildProcess.RunAsync(ProcessTimeout, Kcat, "-b", cluster.BootstrapServers, "-L");
        Assert.Equal(0, metadataExit);
        Assert.Contains(" 2 brokers:", metadata);
        Assert.Contains("topic \"kcat-topic\" with 3 partitions:", metadata);

        var (consumeExit, consumed, errors) = await ChildProcess.RunAsync(ProcessTimeout,
            Kcat, "-b", cluster.BootstrapServers, "-C", "-t", "kcat-topic", "-o", "beginning", "-e", "-q", "-f", "%k=%s\\n");
        Assert.True(consumeExit == 0, errors);
        var expected = Enumerable.Range(0, 50).Select(i => $"key-{i % 17}={i}");
        Assert.Equal(expected.Order(), consumed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [Fact]
    public async Task KafkaDevServesTheDefaultTopicsUntilSigterm()
    {
        var bootstrapFile = Path.Combine(Path.GetTempPath(), $"kafka-dev-{Guid.NewGuid():N}.bootstrap");
        using var kafkaDev = ChildProcess.StartStreamAttention("kafka-dev", "--partitions", "3", "--brokers", "2", "--bootstrap-file", bootstrapFile);

        var printed = await kafkaDev.StandardOutput.ReadLineAsync().WaitAsync(ProcessTimeout);
        if (printed is null)
        {
            Assert.Fail($"kafka-dev exited without an address: {await kafkaDev.StandardErrorAsync()}");
        }
        Assert.Equal(printed, File.ReadAllText(bootstrapFile).Trim());

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = printed }).Build())
        {
            var topics = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics.ToDictionary(t => t.Topic, t => t.Partitions.Count);
            Assert.Equal(3, topics["streamattention.messages"]);
            Assert.Equal(3, topics["streamattention.matches"]);
            Assert.Equal(3, topics["streamattention.dead-letters"]);
            Assert.Equal(3, topics["streamattention.notifications"]);
            Assert.Equal(3, topics["streamattention.digests"]);
        }
        var producerConfig = new ProducerConfig { BootstrapServers = printed, EnableIdempotence = true };
        using (var producer = new ProducerBuilder<string, string>(producerConfig).Build())
        {
            await producer.ProduceAsync("streamattention.messages", new Message<string, string> { Key = "m1", Value = "hello" }).WaitAsync(KafkaClients.Deadline);
        }

        kafkaDev.Terminate();
        Assert.Equal(0, await kafkaDev.WaitForExitAsync(ProcessTimeout));
        Assert.DoesNotContain("Unhandled exception", await kafkaDev.StandardErrorAsync());
        Assert.False(File.Exists(bootstrapFile), "the bootstrap file is removed at exit");
        var port = int.Parse(printed.Split(',')[0].Split(':')[1]);
        using var probe = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
    }

    /// <summary>
    /// What a native fault in kafka-dev's mock cluster does to a test that uses it (<see cref="KafkaDevProcess"/>): the
    /// test's clients in this process lose their broker and their calls fail, this process runs on, and the test's own
    /// disposal of the process, after it died and again at the end of the test, throws nothing.
    /// </summary>
    [Fact]
    public async Task KafkaDevKilledUnderATestsClientsFailsTheirCallsAndItsDisposalNot()
    {
        using var kafkaDev = await KafkaDevProcess.StartAsync(partitions: 1);
        var config = new ProducerConfig { BootstrapServers = kafkaDev.BootstrapServers, MessageTimeoutMs = 5000 };
        using var producer = new ProducerBuilder<Null, string>(config).Build();
        using var consumer = new ConsumerBuilder<string, string>(KafkaClients.Consumer(kafkaDev.BootstrapServers, "killed")).Build();
        consumer.Subscribe("streamattention.messages");
        await producer.ProduceAsync("streamattention.messages", new Message<Null, string> { Value = "before" }).WaitAsync(KafkaClients.Deadline);
        Assert.Single(KafkaClients.Consume(consumer, 1));

        kafkaDev.Kill();
        await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync("streamattention.messages", new Message<Null, string> { Value = "after" }).WaitAsync(KafkaClients.Deadline));
        Assert.Null(consumer.Consume(TimeSpan.FromSeconds(1)));

        kafkaDev.Dispose();
    }

    /// <summary>
    /// The tests' <see cref="ChildProcess"/> disposed again, as a test's <c>using</c> after its own cleanup does, whether
    /// the process still ran at the first disposal or had ended: the second throws nothing and the process stays ended.
    /// </summary>
    [Fact]
    public async Task ChildProcessDisposedTwiceThrowsNothing()
    {
        var running = ChildProcess.Start("sleep", "600");
        var ended = ChildProcess.Start("true");
        Assert.Equal(0, await ended.WaitForExitAsync(ProcessTimeout));

        var runningId = running.Id;
        foreach (var child in new[] { running, ended })
        {
            child.Dispose();
            child.Dispose();
        }
        // Gone, not only said to be: the first disposal killed it and waited for its end.
        Assert.Throws<ArgumentException>(() => Process.GetProcessById(runningId));
    }

    [Fact]
    public async Task KafkaDevRejectsInvalidOptionsWithExitCode2()
    {
        var (exitCode, output, errors) = await ChildProcess.RunStreamAttentionAsync(ProcessTimeout, "kafka-dev", "--partitions", "0");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal("kafka-dev: --brokers must be 1–16 and --partitions 1–10,000", errors.Trim());
    }
}
