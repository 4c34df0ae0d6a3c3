using System.Buffers.Binary;
using System.Security.Cryptography;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The ids of a batch's new matches: version-7 UUIDs (RFC 9562) in the "N" form, as <see cref="Guid.CreateVersion7()"/>
/// makes them, with the random bits of <see cref="IdsPerDraw"/> ids drawn at once (<see cref="Guid.NewGuid"/> reads the
/// kernel's random source for every id, a system call per match) into a buffer on the stack (one array for the whole
/// batch, tens of thousands of matches at 100,000 interests, went to the large-object heap).
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
}
