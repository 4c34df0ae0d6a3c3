using Orleans.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Session;
using Orleans.Storage;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The grain storage serializer of <see cref="StorageNames.Interests"/> (users' states, their attention logs, shard
/// memberships): Orleans' binary format, the one grain calls use and version tolerant by the types' <c>[Id]</c>s. The
/// silo's default (Newtonsoft JSON with type names) cost more than the rest of a delivery decision for every
/// deferring decision's log entry. Records written before in that JSON are read with it (<paramref name="json"/>);
/// every write is binary, so a record moves to the binary format the next time it is written.
/// </summary>
public sealed class BinaryStateSerializer(Serializer serializer, SerializerSessionPool sessions, JsonGrainStorageSerializer json) : IGrainStorageSerializer
{
    /// <summary>The first byte of every binary record; a JSON record starts with '{' (or white space).</summary>
    public const byte BinaryFormat = 0xB1;

    /// <summary>
    /// Written into pooled buffers and copied out once at its length: a growing array (each of a user's log entries,
    /// every deferring decision) left every smaller copy behind.
    /// </summary>
    public BinaryData Serialize<T>(T? input)
    {
        using var session = sessions.GetSession();
        var writer = Writer.CreatePooled(session);
        try
        {
            writer.WriteByte(BinaryFormat);
            serializer.Serialize(input, ref writer);
            return new BinaryData(writer.Output.ToArray());
        }
        finally
        {
            writer.Dispose();
        }
    }

    /// <summary>
    /// Whatever fails here is the record's content's fault: thrown as <see cref="UnreadableRecordException"/>, so a
    /// reader tells it from the storage's own failures (Orleans' Redis storage throws one exception type for both).
    /// </summary>
    public T? Deserialize<T>(BinaryData input)
    {
        var bytes = input.ToMemory();
        try
        {
            return bytes.Span is [BinaryFormat, ..] ? serializer.Deserialize<T>(bytes[1..]) : json.Deserialize<T>(input);
        }
        catch (Exception e)
        {
            throw new UnreadableRecordException(e);
        }
    }
}
