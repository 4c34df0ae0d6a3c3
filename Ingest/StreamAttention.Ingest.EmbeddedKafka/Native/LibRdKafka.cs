using System.Reflection;
using System.Runtime.InteropServices;
using Confluent.Kafka;

namespace StreamAttention.Ingest.EmbeddedKafka.Native;

/// <summary>
/// The few librdkafka C functions that host a mock cluster (rdkafka.h, rdkafka_mock.h of librdkafka.redist 2.16.0).
/// Confluent.Kafka does not expose the mock API, so it is called directly.
/// </summary>
internal static unsafe partial class LibRdKafka
{
    private const string Library = "librdkafka";

    /// <summary>
    /// The package's default Linux build needs libsasl2.so.3, which Debian and Ubuntu do not have (they ship .so.2);
    /// its sibling built on CentOS 8 links SASL statically. Confluent.Kafka falls back to it the same way.
    /// </summary>
    private static readonly string[] LinuxFallbacks = ["centos8-librdkafka.so"];

    static LibRdKafka() => NativeLibrary.SetDllImportResolver(typeof(LibRdKafka).Assembly, Resolve);

    [LibraryImport(Library)]
    internal static partial nint rd_kafka_conf_new();

    [LibraryImport(Library)]
    internal static partial void rd_kafka_conf_destroy(nint conf);

    /// <returns>0 (RD_KAFKA_CONF_OK) on success.</returns>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rd_kafka_conf_set(nint conf, string name, string value, byte* errorText, nuint errorTextSize);

    /// <summary>Takes ownership of <paramref name="conf"/> only when it succeeds.</summary>
    [LibraryImport(Library)]
    internal static partial KafkaClientHandle rd_kafka_new(int type, nint conf, byte* errorText, nuint errorTextSize);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_destroy(nint client);

    [LibraryImport(Library)]
    internal static partial MockClusterHandle rd_kafka_mock_cluster_new(KafkaClientHandle client, int brokerCount);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_cluster_destroy(nint cluster);

    /// <summary>A string owned by the cluster: copied, never freed.</summary>
    [LibraryImport(Library)]
    internal static partial byte* rd_kafka_mock_cluster_bootstraps(MockClusterHandle cluster);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_group_initial_rebalance_delay_ms(MockClusterHandle cluster, int delayMs);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode rd_kafka_mock_topic_create(MockClusterHandle cluster, string topic, int partitions, int replicationFactor);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode rd_kafka_mock_topic_delete(MockClusterHandle cluster, string topic);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode rd_kafka_mock_partition_delete_records(MockClusterHandle cluster, string topic, int partition, long beforeOffset);

    [LibraryImport(Library)]
    internal static partial ErrorCode rd_kafka_mock_broker_set_down(MockClusterHandle cluster, int brokerId);

    [LibraryImport(Library)]
    internal static partial ErrorCode rd_kafka_mock_broker_set_up(MockClusterHandle cluster, int brokerId);

    /// <summary>The host and port the broker's metadata advertises; where it listens does not change.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ErrorCode rd_kafka_mock_broker_set_host_port(MockClusterHandle cluster, int brokerId, string host, int port);

    [LibraryImport(Library)]
    internal static partial ErrorCode rd_kafka_mock_broker_set_rtt(MockClusterHandle cluster, int brokerId, int rttMs);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_push_request_errors_array(MockClusterHandle cluster, short apiKey, nuint count, ReadOnlySpan<ErrorCode> errors);

    [LibraryImport(Library)]
    internal static partial void rd_kafka_mock_clear_request_errors(MockClusterHandle cluster, short apiKey);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return 0;
        }
        if (NativeLibrary.TryLoad(name, assembly, searchPath, out var handle) || !OperatingSystem.IsLinux())
        {
            return handle;
        }
        // A framework-dependent build keeps the package's files under runtimes/<rid>/native; a RID-specific publish
        // puts them next to the application.
        var architecture = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string[] directories = [Path.Combine(AppContext.BaseDirectory, "runtimes", $"linux-{architecture}", "native"), AppContext.BaseDirectory];
        foreach (var path in directories.SelectMany(directory => LinuxFallbacks.Select(file => Path.Combine(directory, file))))
        {
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out handle))
            {
                return handle;
            }
        }
        return 0;
    }
}
