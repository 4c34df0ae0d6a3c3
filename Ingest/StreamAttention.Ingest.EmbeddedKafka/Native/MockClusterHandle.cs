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
        var conf = LibRdKafka.rd_kafka_conf_new();
        var errorText = stackalloc byte[512];
        using var client = LibRdKafka.rd_kafka_new(producerType, conf, errorText, 512);
        if (client.IsInvalid)
        {
            LibRdKafka.rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"rd_kafka_new failed: {Marshal.PtrToStringUTF8((nint)errorText)}");
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

    protected override bool ReleaseHandle()
    {
        LibRdKafka.rd_kafka_mock_cluster_destroy(handle);
        _client?.DangerousRelease();
        return true;
    }
}
