using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// MinHash over word shingles: a fixed-size signature whose agreement with another estimates the Jaccard similarity
/// of the two texts' shingle sets. Words are lower-cased and digits folded to '#', so variants of one alert that
/// differ in a host number, a count or a time look alike; shingles are single words and word pairs, so short texts
/// still have enough of them and word order counts a little.
/// </summary>
public static class MinHashSignature
{
    public const int Length = 64;
    private const uint FnvOffset = 2166136261u;

    /// <summary>
    /// Every match of one message reaches the user grains of a silo with the same text instance (Orleans passes strings
    /// by reference), so its signature is computed once per message here, not once per match; an entry lives as long
    /// as its text.
    /// </summary>
    private static readonly ConditionalWeakTable<string, uint[]> ByText = new();

    /// <summary>The text's signature, shared by every caller with the same text instance: read it, never change it.</summary>
    public static uint[] Of(string text) => ByText.GetValue(text, Compute);

    private static uint[] Compute(string text)
    {
        var words = Words(text);
        var signature = new uint[Length];
        Array.Fill(signature, uint.MaxValue);
        for (var i = 0; i < words.Count; i++)
        {
            var word = Fnv1a(words[i], FnvOffset);
            Add(signature, word);
            if (i + 1 < words.Count)
            {
                // The hash of "word next", continued from the word's own rather than hashed from a new string.
                Add(signature, Fnv1a(words[i + 1], Fnv1a(" ", word)));
            }
        }
        return signature;
    }

    /// <summary>The share of positions where the signatures agree: an estimate of the Jaccard similarity.</summary>
    public static double Similarity(uint[] a, uint[] b)
    {
        var same = 0;
        var empty = Vector256.Create(uint.MaxValue);
        for (var i = 0; i < Length; i += Vector256<uint>.Count)
        {
            var x = Vector256.Create(a.AsSpan(i, Vector256<uint>.Count));
            var agree = Vector256.Equals(x, Vector256.Create(b.AsSpan(i, Vector256<uint>.Count))) & ~Vector256.Equals(x, empty);
            same += BitOperations.PopCount(agree.ExtractMostSignificantBits());
        }
        return (double)same / Length;
    }

    /// <summary>
    /// Whether <see cref="Similarity"/> of the two reaches <paramref name="similarity"/>, stopping as soon as the positions
    /// left could no longer agree enough: an unrelated signature (most of a user's) is rejected after about half of them.
    /// </summary>
    public static bool Reaches(uint[] a, uint[] b, double similarity)
    {
        var needed = AgreementsFor(similarity);
        var same = 0;
        var empty = Vector256.Create(uint.MaxValue);
        for (var i = 0; i < Length; i += Vector256<uint>.Count)
        {
            if (same + Length - i < needed)
            {
                return false;
            }
            var x = Vector256.Create(a.AsSpan(i, Vector256<uint>.Count));
            var agree = Vector256.Equals(x, Vector256.Create(b.AsSpan(i, Vector256<uint>.Count))) & ~Vector256.Equals(x, empty);
            same += BitOperations.PopCount(agree.ExtractMostSignificantBits());
        }
        return same >= needed;
    }

    /// <summary>The fewest agreeing positions whose share (as <see cref="Similarity"/> computes it) reaches <paramref name="similarity"/>; past <see cref="Length"/> when none does.</summary>
    public static int AgreementsFor(double similarity)
    {
        if (!(similarity <= 1))
        {
            return Length + 1;
        }
        var needed = similarity <= 0 ? 0 : (int)Math.Ceiling(similarity * Length);
        // The division may round either way of the product: settle on what the comparison itself says.
        while (needed > 0 && (double)(needed - 1) / Length >= similarity)
        {
            needed--;
        }
        while (needed <= Length && (double)needed / Length < similarity)
        {
            needed++;
        }
        return needed;
    }

    /// <summary>The words of a text, normalised as the summary says; also what mutes match terms against.</summary>
    public static List<string> Words(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.IsDigit(c) ? '#' : char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                words.Add(word.ToString());
                word.Clear();
            }
        }
        if (word.Length > 0)
        {
            words.Add(word.ToString());
        }
        return words;
    }

    private static void Add(uint[] signature, uint shingle)
    {
        for (var i = 0; i < Length; i++)
        {
            // One hash function per position: the shingle's hash mixed with the position's seed.
            var hash = Mix(shingle ^ (uint)((i + 1) * 0x9E3779B9u));
            if (hash < signature[i])
            {
                signature[i] = hash;
            }
        }
    }

    private static uint Fnv1a(string s, uint hash)
    {
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    /// <summary>murmur3's finaliser: spreads every input bit over the output, so min over positions is independent enough.</summary>
    private static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }
}
