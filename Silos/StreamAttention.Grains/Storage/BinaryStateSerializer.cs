using System.Buffers;
using Orleans.Serialization;
using Orleans.Storage;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The grain storage serializer of <see cref="StorageNames.Interests"/> (users' states, their attention logs, shard
/// memberships): Orleans' binary format, the one grain calls use and version tolerant by the types' <c>[Id]</c>s. The
/// silo's default (Newtonsoft JSON with type names) cost more than the rest of a delivery decision for every
/// deferring decision's log entry. Records written before in that JSON are read with it (<paramref name="json"/>);
/// every write is binary, so a record moves to the binary format the next time it is written.
/// </summary>
public sealed class BinaryStateSerializer(Serializer serializer, JsonGrainStorageSerializer json) : IGrainStorageSerializer
{
    /// <summary>The first byte of every binary record; a JSON record starts with '{' (or white space).</summary>
    public const byte BinaryFormat = 0xB1;

    public BinaryData Serialize<T>(T? input)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        buffer.GetSpan(1)[0] = BinaryFormat;
        buffer.Advance(1);
        serializer.Serialize(input, buffer);
        return new BinaryData(buffer.WrittenMemory);
    }

    public T? Deserialize<T>(BinaryData input)
    {
        var bytes = input.ToMemory();
        return bytes.Span is [BinaryFormat, ..] ? serializer.Deserialize<T>(bytes[1..]) : json.Deserialize<T>(input);
    }
}
