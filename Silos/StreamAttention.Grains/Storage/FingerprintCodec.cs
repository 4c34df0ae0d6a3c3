using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.GeneratedCodeHelpers;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// Orleans' binary codec of <see cref="Fingerprint"/>, written by hand for one field: the signature goes as its
/// 256 bytes (field 3, little-endian), where the generated codec wrote an array of 64 numbers one varint and field
/// header at a time (field 2). That array was most of the CPU of a whole attention state's write (a user's up to
/// 256 fingerprints, every 16th deferring decision) and of its bytes. Records written before still read: field 2 is
/// read as the generated codec read it. The framing is the generated codec's for this untracked record (a value
/// number taken before the fields, the fields, an end of base and an end of object), so the objects around a
/// fingerprint keep their reference numbers, and the packed field takes the one number a byte array read takes.
/// </summary>
[RegisterSerializer]
public sealed class FingerprintCodec(ICodecProvider codecs) : IFieldCodec<Fingerprint>
{
    private const uint MatchIdField = 0;
    private const uint AtField = 1;
    private const uint NumbersField = 2;
    private const uint PackedField = 3;
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
        WritePacked(ref writer, PackedField - AtField, value.Signature);
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
        uint[]? signature = null;
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
                    signature = _numbers.ReadValue(ref reader, header);
                    break;
                case PackedField:
                    signature = Unpack(ByteArrayCodec.ReadValue(ref reader, header));
                    break;
                default:
                    reader.ConsumeUnknownField(ref header);
                    break;
            }
        }
        return new Fingerprint(
            matchId ?? throw new InvalidOperationException("A stored fingerprint has no match id."),
            at,
            signature ?? throw new InvalidOperationException($"The stored fingerprint of match {matchId} has no signature."));
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

    /// <summary>A byte array field as <see cref="ByteArrayCodec"/> writes one, from the signature's own memory.</summary>
    private static void WritePacked<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, uint[] signature)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (signature.Length != MinHashSignature.Length)
        {
            throw new ArgumentException($"A signature has {MinHashSignature.Length} numbers, not {signature.Length}.", nameof(signature));
        }
        // The reader records the byte array it reads: the same reference number, taken here without a table entry.
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeaderExpected(fieldIdDelta, WireType.LengthPrefixed);
        writer.WriteVarUInt32(PackedLength);
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(signature.AsSpan()));
            return;
        }
        Span<uint> littleEndian = stackalloc uint[MinHashSignature.Length];
        BinaryPrimitives.ReverseEndianness(signature, littleEndian);
        writer.Write(MemoryMarshal.AsBytes(littleEndian));
    }

    private static uint[] Unpack(byte[]? packed)
    {
        if (packed?.Length != PackedLength)
        {
            throw new InvalidOperationException($"A stored signature has {packed?.Length ?? 0} bytes, not {PackedLength}.");
        }
        var signature = MemoryMarshal.Cast<byte, uint>(packed).ToArray();
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(signature, signature);
        }
        return signature;
    }
}
