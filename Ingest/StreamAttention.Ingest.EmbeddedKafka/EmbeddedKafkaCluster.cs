using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using StreamAttention.Ingest.EmbeddedKafka.Native;

namespace StreamAttention.Ingest.EmbeddedKafka;

/// <summary>
/// An in-process Kafka cluster for tests and local mode: librdkafka's mock cluster, which speaks the real protocol
/// over TCP on 127.0.0.1 (other processes can connect) and keeps everything in memory.
/// </summary>
/// <remarks>
/// Differences from a real broker that matter to callers: each partition keeps only about 5 MiB (older data is
/// dropped silently); the Admin API cannot create topics (use <see cref="CreateTopic"/>; producing to an unknown topic
/// auto-creates it with 4 partitions); classic consumer-group joins wait session.timeout.ms − 1 s; listing or
/// deleting consumer groups crashes the client. Injected request errors form one queue per request type, shared by
/// every client of the cluster.
/// </remarks>
public sealed class EmbeddedKafkaCluster : IDisposable, IAsyncDisposable
{
    /// <summary>The broker id that addresses every broker in <see cref="SetBrokerDown"/>, <see cref="SetBrokerUp"/> and <see cref="SetBrokerRtt"/>.</summary>
    public const int AllBrokers = -1;

    private readonly MockClusterHandle _cluster;

    /// <summary>The relays of brokers given ports of the caller's; empty when the brokers are on the mock's own ports.</summary>
    private readonly BrokerPortForwarder[] _forwarders;

    private EmbeddedKafkaCluster(MockClusterHandle cluster, int brokerCount, string bootstrapServers, BrokerPortForwarder[] forwarders)
    {
        _cluster = cluster;
        BrokerCount = brokerCount;
        BootstrapServers = bootstrapServers;
        _forwarders = forwarders;
    }

    /// <summary>Comma-separated <c>127.0.0.1:port</c> of every broker, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Brokers are numbered 1 to <see cref="BrokerCount"/>.</summary>
    public int BrokerCount { get; }

    /// <summary>
    /// Starts <paramref name="brokerCount"/> brokers (ids 1..N) on 127.0.0.1: on free ports, or from
    /// <paramref name="firstPort"/> on (broker i on <c>firstPort + i − 1</c>), so that other programs and firewall rules
    /// can name them.
    /// </summary>
    /// <exception cref="SocketException">A port from <paramref name="firstPort"/> on cannot be listened on (in use: <see cref="SocketError.AddressAlreadyInUse"/>).</exception>
    public static EmbeddedKafkaCluster Start(int brokerCount = 1, int? firstPort = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokerCount, 1);
        if (firstPort is { } port)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(port, 1, nameof(firstPort));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort - brokerCount + 1, nameof(firstPort));
        }
        var cluster = MockClusterHandle.Create(brokerCount);
        var forwarders = new List<BrokerPortForwarder>();
        try
        {
            // A real broker delays a new group's first rebalance by 3 s to gather members; here it only slows tests.
            LibRdKafka.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, 0);
            var bootstrapServers = MockBootstrapServers(cluster);
            if (firstPort is null)
            {
                return new EmbeddedKafkaCluster(cluster, brokerCount, bootstrapServers, []);
            }
            // The mock lists its brokers in id order. Each is reached through a relay on the port asked for, which its
            // metadata then advertises, so that clients never learn the mock's own ports.
            var mockPorts = bootstrapServers.Split(',').Select(address => int.Parse(address[(address.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)).ToArray();
            var ports = Enumerable.Range(firstPort.Value, brokerCount).ToArray();
            for (var broker = 1; broker <= brokerCount; broker++)
            {
                forwarders.Add(new BrokerPortForwarder(ports[broker - 1], mockPorts[broker - 1]));
                ThrowIfFailed(LibRdKafka.rd_kafka_mock_broker_set_host_port(cluster, broker, "127.0.0.1", ports[broker - 1]));
            }
            return new EmbeddedKafkaCluster(cluster, brokerCount, string.Join(',', ports.Select(p => $"127.0.0.1:{p}")), [.. forwarders]);
        }
        catch
        {
            forwarders.ForEach(forwarder => forwarder.Dispose());
            cluster.Dispose();
            throw;
        }
    }

    private static unsafe string MockBootstrapServers(MockClusterHandle cluster)
        => Marshal.PtrToStringUTF8((nint)LibRdKafka.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");

    /// <summary>
    /// Creates a topic whose partitions are replicated like auto-created ones (on min(3, brokers) brokers).
    /// Returns false when the topic exists already (its partition count is left as it is).
    /// </summary>
    public bool CreateTopic(string name, int partitions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var error = LibRdKafka.rd_kafka_mock_topic_create(_cluster, name, partitions, Math.Min(3, BrokerCount));
        return error switch
        {
            ErrorCode.NoError => true,
            ErrorCode.TopicAlreadyExists => false,
            _ => throw new KafkaException(error),
        };
    }

    /// <summary>
    /// Deletes a topic with its records. The only way to give an existing topic more partitions: the embedded Kafka
    /// refuses Admin CreatePartitions and <see cref="CreateTopic"/> leaves an existing topic as it is, so a test deletes
    /// it and creates it again (clients see the partition count change at their next metadata refresh).
    /// </summary>
    public void DeleteTopic(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ThrowIfFailed(LibRdKafka.rd_kafka_mock_topic_delete(_cluster, name));
    }

    /// <summary>
    /// Removes the records of a partition before <paramref name="beforeOffset"/>, which becomes the log's start: what a
    /// broker's retention does to data no consumer read in time.
    /// </summary>
    public void DeleteRecords(string topic, int partition, long beforeOffset)
        => ThrowIfFailed(LibRdKafka.rd_kafka_mock_partition_delete_records(_cluster, topic, partition, beforeOffset));

    /// <summary>Disconnects the broker (or <see cref="AllBrokers"/>) and refuses new connections; leaders do not move.</summary>
    public void SetBrokerDown(int brokerId) => ThrowIfFailed(LibRdKafka.rd_kafka_mock_broker_set_down(_cluster, brokerId));

    /// <summary>Lets the broker (or <see cref="AllBrokers"/>) accept connections again.</summary>
    public void SetBrokerUp(int brokerId) => ThrowIfFailed(LibRdKafka.rd_kafka_mock_broker_set_up(_cluster, brokerId));

    /// <summary>Delays every response of the broker (or <see cref="AllBrokers"/>) by <paramref name="rtt"/>; zero removes the delay.</summary>
    public void SetBrokerRtt(int brokerId, TimeSpan rtt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rtt, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rtt.TotalMilliseconds, int.MaxValue, nameof(rtt));
        ThrowIfFailed(LibRdKafka.rd_kafka_mock_broker_set_rtt(_cluster, brokerId, (int)rtt.TotalMilliseconds));
    }

    /// <summary>
    /// Makes the next requests of type <paramref name="apiKey"/>, from any client to any broker, fail with
    /// <paramref name="errors"/> in order, one error per request. <see cref="ErrorCode.Local_Transport"/> disconnects
    /// the client instead of answering.
    /// </summary>
    public void PushRequestErrors(KafkaApiKey apiKey, params ReadOnlySpan<ErrorCode> errors)
    {
        if (!errors.IsEmpty)
        {
            LibRdKafka.rd_kafka_mock_push_request_errors_array(_cluster, (short)apiKey, (nuint)errors.Length, errors);
        }
    }

    /// <summary>Drops the errors still queued for <paramref name="apiKey"/> by <see cref="PushRequestErrors"/>.</summary>
    public void ClearRequestErrors(KafkaApiKey apiKey) => LibRdKafka.rd_kafka_mock_clear_request_errors(_cluster, (short)apiKey);

    /// <summary>Stops the brokers (their connections close) and frees everything they held.</summary>
    public void Dispose()
    {
        foreach (var forwarder in _forwarders)
        {
            forwarder.Dispose();
        }
        _cluster.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>, off the caller's thread: the native teardown blocks while it joins the broker threads.</summary>
    public async ValueTask DisposeAsync() => await Task.Run(Dispose).ConfigureAwait(false);

    private static void ThrowIfFailed(ErrorCode error)
    {
        if (error != ErrorCode.NoError)
        {
            throw new KafkaException(error);
        }
    }
}
