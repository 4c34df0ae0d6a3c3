using System.Buffers.Binary;
using System.Security.Cryptography;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The ids of a batch's new matches: version-7 UUIDs (RFC 9562) in the "N" form, as <see cref="Guid.CreateVersion7()"/>
/// makes them, with the random bits of the whole batch drawn at once: <see cref="Guid.NewGuid"/> reads the kernel's
/// random source for every id (a system call per match).
/// </summary>
public static class MatchIds
{
    private const int Size = 16;

    public static string[] Create(int count, DateTimeOffset at)
    {
        var ids = new string[count];
        var random = new byte[count * Size];
        RandomNumberGenerator.Fill(random);
        var milliseconds = at.ToUnixTimeMilliseconds();
        for (var i = 0; i < count; i++)
        {
            var bits = random.AsSpan(i * Size, Size);
            // 48 bits of Unix milliseconds, the version (7) over 12 random bits, the variant (10) over 62 random bits.
            var id = new Guid((int)(milliseconds >> 16), (short)milliseconds,
                (short)((BinaryPrimitives.ReadUInt16LittleEndian(bits) & 0x0FFF) | 0x7000),
                (byte)((bits[2] & 0x3F) | 0x80), bits[3], bits[4], bits[5], bits[6], bits[7], bits[8], bits[9]);
            ids[i] = id.ToString("N");
        }
        return ids;
    }
}
