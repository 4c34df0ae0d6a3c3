using Microsoft.Win32.SafeHandles;

namespace StreamAttention.Ingest.EmbeddedKafka.Native;

/// <summary>An <c>rd_kafka_t</c>: the client instance a mock cluster needs for its threads and logging.</summary>
internal sealed class KafkaClientHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public KafkaClientHandle() : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        LibRdKafka.rd_kafka_destroy(handle);
        return true;
    }
}
