using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.GeneratedCodeHelpers;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// Orleans' binary codec of <see cref="Fingerprint"/>, written by hand for one field: the sketch goes as its 64 bytes
/// (field 4). Records written before still read, their signatures cut to sketches: as 256 little-endian bytes (field 3,
/// this codec's first form) or as the generated codec wrote them, an array of 64 numbers one varint and field header at
/// a time (field 2). The framing is the generated codec's for this untracked record (a value number taken before the
/// fields, the fields, an end of base and an end of object), so the objects around a fingerprint keep their reference
/// numbers, and the bytes field takes the one number a byte array read takes.
/// </summary>
[RegisterSerializer]
public sealed class FingerprintCodec(ICodecProvider codecs) : IFieldCodec<Fingerprint>
{
    private const uint MatchIdField = 0;
    private const uint AtField = 1;
    private const uint NumbersField = 2;
    private const uint PackedField = 3;
    private const uint SketchField = 4;
    private const int PackedLength = MinHashSignature.Length * sizeof(uint);

    private static readonly Type CodecFieldType = typeof(Fingerprint);

    private readonly IFieldCodec<uint[]> _numbers = codecs.GetCodec<uint[]>();

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, [AllowNull] Type expectedType, [AllowNull] Fingerprint value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (value is null)
        {
            ReferenceCodec.WriteNullReference(ref writer, fieldIdDelta);
            return;
        }
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteStartObject(fieldIdDelta, expectedType, CodecFieldType);
        WriteMatchId(ref writer, MatchIdField, value.Key);
        DateTimeOffsetCodec.WriteField(ref writer, AtField - MatchIdField, value.At);
        WriteSketch(ref writer, SketchField - AtField, value.Sketch);
        writer.WriteEndBase();
        writer.WriteEndObject();
    }

    [return: MaybeNull]
    public Fingerprint ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.IsReference)
        {
            return ReferenceCodec.ReadReference<Fingerprint, TInput>(ref reader, field);
        }
        field.EnsureWireTypeTagDelimited();
        ReferenceCodec.MarkValueField(reader.Session);
        string? matchId = null;
        DateTimeOffset at = default;
        byte[]? sketch = null;
        var id = 0u;
        Field header = default;
        while (true)
        {
            reader.ReadFieldHeader(ref header);
            if (header.IsEndBaseOrEndObject)
            {
                if (header.IsEndBaseFields)
                {
                    // The record's own (empty) fields follow its base's: read up to its end.
                    reader.ReadFieldHeader(ref header);
                    reader.ConsumeEndBaseOrEndObject(ref header);
                }
                break;
            }
            id += header.FieldIdDelta;
            switch (id)
            {
                case MatchIdField:
                    matchId = StringCodec.ReadValue(ref reader, header);
                    break;
                case AtField:
                    at = DateTimeOffsetCodec.ReadValue(ref reader, header);
                    break;
                case NumbersField:
                    sketch = MinHashSignature.Sketch(_numbers.ReadValue(ref reader, header));
                    break;
                case PackedField:
                    sketch = SketchOfPacked(ByteArrayCodec.ReadValue(ref reader, header));
                    break;
                case SketchField:
                    sketch = ByteArrayCodec.ReadValue(ref reader, header);
                    break;
                default:
                    reader.ConsumeUnknownField(ref header);
                    break;
            }
        }
        return new Fingerprint(
            matchId ?? throw new InvalidOperationException("A stored fingerprint has no match id."),
            at,
            sketch ?? throw new InvalidOperationException($"The stored fingerprint of match {matchId} has no sketch."));
    }

    /// <summary>
    /// The match id as <see cref="StringCodec"/> writes a string seen for the first time, from the key without forming the
    /// string (a whole state writes up to 256 of them). It takes the reference number a string read takes.
    /// </summary>
    private static void WriteMatchId<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, MatchKey key)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (key.OtherId is { } other)
        {
            StringCodec.WriteField(ref writer, fieldIdDelta, other);
            return;
        }
        Span<byte> utf8 = stackalloc byte[32];
        key.Uuid.TryFormat(utf8, out var length, "N");
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeaderExpected(fieldIdDelta, WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)length);
        writer.Write(utf8[..length]);
    }

    /// <summary>A byte array field as <see cref="ByteArrayCodec"/> writes one, without its reference tracking.</summary>
    private static void WriteSketch<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, byte[] sketch)
        where TBufferWriter : IBufferWriter<byte>
    {
        // The reader records the byte array it reads: the same reference number, taken here without a table entry.
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeaderExpected(fieldIdDelta, WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)sketch.Length);
        writer.Write(sketch);
    }

    /// <summary>The sketch of a signature stored as its 256 little-endian bytes: each number's first byte.</summary>
    private static byte[] SketchOfPacked(byte[]? packed)
    {
        if (packed?.Length != PackedLength)
        {
            throw new InvalidOperationException($"A stored signature has {packed?.Length ?? 0} bytes, not {PackedLength}.");
        }
        var sketch = new byte[MinHashSignature.Length];
        for (var i = 0; i < sketch.Length; i++)
        {
            sketch[i] = packed[i * sizeof(uint)];
        }
        return sketch;
    }
}
