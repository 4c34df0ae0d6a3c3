using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The ids of a batch's new matches: version-7 UUIDs (RFC 9562) in the "N" form, as <see cref="Guid.CreateVersion7()"/>
/// makes them, with the random bits of <see cref="IdsPerDraw"/> ids drawn at once (<see cref="Guid.NewGuid"/> reads the
/// kernel's random source for every id, a system call per match) into a buffer on the stack (one array for the whole
/// batch, tens of thousands of matches at 100,000 interests, went to the large-object heap). A batch whose texts have
/// source ids gets version-8 UUIDs derived from them instead (<see cref="OfSources"/>).
/// </summary>
public static class MatchIds
{
    private const int Size = 16;
    private const int IdsPerDraw = 64;

    public static string[] Create(int count, DateTimeOffset at)
    {
        var ids = new string[count];
        Span<byte> random = stackalloc byte[IdsPerDraw * Size];
        var milliseconds = at.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            if (i % IdsPerDraw == 0)
            {
                RandomNumberGenerator.Fill(random);
            }
            var bits = random.Slice(i % IdsPerDraw * Size, Size);
            // 48 bits of Unix milliseconds, the version (7) over 12 random bits, the variant (10) over 62 random bits.
            var id = new Guid((int)(milliseconds >> 16), (short)milliseconds,
                (short)((BinaryPrimitives.ReadUInt16LittleEndian(bits) & 0x0FFF) | 0x7000),
                (byte)((bits[2] & 0x3F) | 0x80), bits[3], bits[4], bits[5], bits[6], bits[7], bits[8], bits[9]);
            ids[i] = id.ToString("N");
        }
        return ids;
    }

    /// <summary>
    /// The ids of matches of texts that have ids in their source (e.g. a Kafka message's first position): version-8 UUIDs
    /// of the 128-bit XxHash of the text's source id and the text itself, the user and the interest. A text scored again
    /// under the same source id (a batch retried, a dead letter replayed) gets the same ids, so each user's grain returns
    /// the decision it made the first time instead of deciding again (the first decision was recorded but never
    /// published: a new id would find it as the duplicate to suppress, and the person would never be notified). Another
    /// text under the same source id (a producer that copied the origin header onto a new message) is another match.
    /// </summary>
    public static string[] OfSources(IReadOnlyList<string> sourceIds, IReadOnlyList<string> texts, IReadOnlyList<(int Text, TextMatch Match)> matches)
    {
        var ids = new string[matches.Count];
        var hash = new XxHash128();
        Span<byte> bits = stackalloc byte[Size];
        // Per text, once: the hash of its source id and its text, which each of its matches' hash starts from.
        var sources = new UInt128?[texts.Count];
        Span<byte> source = stackalloc byte[Size];
        for (var i = 0; i < ids.Length; i++)
        {
            var (text, match) = matches[i];
            if (sources[text] is not { } sourceHash)
            {
                Append(hash, sourceIds[text]);
                Append(hash, texts[text]);
                sources[text] = sourceHash = hash.GetCurrentHashAsUInt128();
                hash.Reset();
            }
            BinaryPrimitives.WriteUInt128LittleEndian(source, sourceHash);
            hash.Append(source);
            Append(hash, match.UserId);
            Append(hash, match.InterestId);
            hash.GetHashAndReset(bits);
            // Big-endian fields: the version (8) in byte 6's high half, the variant (10) in byte 8's high bits.
            bits[6] = (byte)((bits[6] & 0x0F) | 0x80);
            bits[8] = (byte)((bits[8] & 0x3F) | 0x80);
            ids[i] = new Guid(bits, bigEndian: true).ToString("N");
        }
        return ids;
    }

    /// <summary>A part with its length first, so no two different triples hash the same bytes ("ab", "c" against "a", "bc").</summary>
    private static void Append(XxHash128 hash, string part)
    {
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
        hash.Append(length);
        hash.Append(MemoryMarshal.AsBytes(part.AsSpan()));
    }
}
