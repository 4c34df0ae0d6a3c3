using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace StreamAttention.Ingest.EmbeddedKafka.Native;

/// <summary>
/// An <c>rd_kafka_mock_cluster_t</c>. It holds a reference on its client so that, even when both are finalized,
/// the client is destroyed only after the cluster.
/// </summary>
internal sealed class MockClusterHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private KafkaClientHandle? _client;

    public MockClusterHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>Creates a cluster of <paramref name="brokerCount"/> brokers on 127.0.0.1, each on a free port.</summary>
    public static unsafe MockClusterHandle Create(int brokerCount)
    {
        const int producerType = 0;
        const int errorTextSize = 512;
        var errorText = stackalloc byte[errorTextSize];
        var conf = LibRdKafka.rd_kafka_conf_new();
        // This instance only hosts the brokers; its notice that it has no bootstrap.servers of its own is noise.
        if (LibRdKafka.rd_kafka_conf_set(conf, "log_level", "4", errorText, errorTextSize) != 0)
        {
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw Failed("rd_kafka_conf_set", errorText);
        }
        using var client = LibRdKafka.rd_kafka_new(producerType, conf, errorText, errorTextSize);
        if (client.IsInvalid)
        {
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw Failed("rd_kafka_new", errorText);
        }
        var cluster = LibRdKafka.rd_kafka_mock_cluster_new(client, brokerCount);
        if (cluster.IsInvalid)
        {
            cluster.Dispose();
            throw new InvalidOperationException($"rd_kafka_mock_cluster_new failed for {brokerCount} brokers.");
        }
        // From here the cluster's reference keeps the client alive; disposing ours leaves it to the cluster.
        var added = false;
        client.DangerousAddRef(ref added);
        cluster._client = client;
        return cluster;
    }

    private static unsafe InvalidOperationException Failed(string function, byte* errorText) =>
        new($"{function} failed: {Marshal.PtrToStringUTF8((nint)errorText)}");

    protected override bool ReleaseHandle()
    {
        LibRdKafka.rd_kafka_mock_cluster_destroy(handle);
        _client?.DangerousRelease();
        return true;
    }
}
