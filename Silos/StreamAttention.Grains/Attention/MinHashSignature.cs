using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// MinHash over word shingles: a fixed-size signature whose agreement with another estimates the Jaccard similarity
/// of the two texts' shingle sets. Words are lower-cased, generated ids one word and digits folded to '#', so variants
/// of one alert that differ in a pod, a host number, a count or a time look alike; shingles are single words and word
/// pairs, so short texts still have enough of them and word order counts a little.
/// A fingerprint keeps only each position's low byte, its sketch (b-bit minwise hashing, Li and König 2010): 64 bytes
/// where the signature has 256, stored with every fingerprint of a user and compared at every decision. Two positions
/// that differ still share their low byte by chance, one time in 256, which <see cref="Similarity"/> takes out.
/// </summary>
public static class MinHashSignature
{
    public const int Length = 64;
    private const uint FnvOffset = 2166136261u;

    /// <summary>How often two unequal positions agree in their low byte.</summary>
    private const double ChanceAgreement = 1.0 / 256;

    /// <summary>
    /// Every match of one message reaches the user grains of a silo with the same text instance (Orleans passes strings
    /// by reference), so its sketch is computed once per message here, not once per match; an entry lives as long as its
    /// text.
    /// </summary>
    private static readonly ConditionalWeakTable<string, byte[]> ByText = new();

    /// <summary>
    /// The word sets (<see cref="WordsOf"/>) of the texts compared last, by text instance: a message's matches are decided
    /// close together, so its set and its earlier texts' are found again, while the sets of texts that users' histories
    /// keep (~0.7 KB each, several times the text) are not held for as long as the texts are. At most 4,096 word sets
    /// (~3 MB a silo), 1,024 groups of 4 by the text's identity hash, the oldest of a group replaced: with one a hash, two
    /// texts that a batch's users both compare took the slot from each other user after user. A <see cref="HashSet{T}"/>,
    /// not a frozen set: built in a fraction of the time and asked as fast.
    /// </summary>
    private static readonly RecentInstanceCache<string, HashSet<string>> RecentWords = new(1024, 4, static text => new HashSet<string>(Words(text), StringComparer.Ordinal));

    /// <summary>The text's signature, computed anew.</summary>
    public static uint[] Of(string text)
    {
        var words = Words(text);
        var signature = new uint[Length];
        Array.Fill(signature, uint.MaxValue);
        for (var i = 0; i < words.Length; i++)
        {
            var word = Fnv1a(words[i], FnvOffset);
            Add(signature, word);
            if (i + 1 < words.Length)
            {
                // The hash of "word next", continued from the word's own rather than hashed from a new string.
                Add(signature, Fnv1a(words[i + 1], Fnv1a(" ", word)));
            }
        }
        return signature;
    }

    /// <summary>The text's sketch, shared by every caller with the same text instance: read it, never change it.</summary>
    public static byte[] SketchOf(string text) => ByText.GetValue(text, static text => Sketch(Of(text)));

    /// <summary>The sketch of <paramref name="signature"/>: its positions' low bytes.</summary>
    public static byte[] Sketch(ReadOnlySpan<uint> signature)
    {
        if (signature.Length != Length)
        {
            throw new ArgumentException($"A signature has {Length} numbers, not {signature.Length}.", nameof(signature));
        }
        var sketch = new byte[Length];
        for (var i = 0; i < Length; i++)
        {
            sketch[i] = (byte)signature[i];
        }
        return sketch;
    }

    /// <summary>Refuses a sketch of any length but <see cref="Length"/>.</summary>
    public static void ThrowIfNotSketch(ReadOnlySpan<byte> sketch, string paramName)
    {
        if (sketch.Length != Length)
        {
            throw new ArgumentException($"A sketch has {Length} bytes, not {sketch.Length}.", paramName);
        }
    }

    /// <summary>
    /// Whether the sketch is a text's without words: every position is unset (a signature's positions are all set as soon
    /// as the text has one shingle), where a real one is all 0xFF by chance once in 2⁵¹². Such a text is nobody's
    /// near-duplicate: it would agree with every other one.
    /// </summary>
    public static bool IsEmpty(ReadOnlySpan<byte> sketch) => !sketch.ContainsAnyExcept((byte)0xFF);

    /// <summary>How many positions of the two sketches agree.</summary>
    public static int Agreements(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var x = a[..Length];
        var y = b[..Length];
        var half = Vector256<byte>.Count;
        return BitOperations.PopCount(Vector256.Equals(Vector256.Create(x[..half]), Vector256.Create(y[..half])).ExtractMostSignificantBits())
            + BitOperations.PopCount(Vector256.Equals(Vector256.Create(x[half..]), Vector256.Create(y[half..])).ExtractMostSignificantBits());
    }

    /// <summary>
    /// The Jaccard similarity the two sketches estimate: the share of positions that agree, less the agreements expected by
    /// chance among those that differ. Unbiased, so slightly below zero when no position agrees.
    /// </summary>
    public static double Similarity(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => Estimate(Agreements(a, b));

    /// <summary>The fewest agreeing positions whose <see cref="Similarity"/> reaches <paramref name="similarity"/>; past <see cref="Length"/> when none does.</summary>
    public static int AgreementsFor(double similarity)
    {
        if (!(similarity <= 1))
        {
            return Length + 1;
        }
        var needed = similarity <= 0 ? 0 : (int)Math.Ceiling((similarity * (1 - ChanceAgreement) + ChanceAgreement) * Length);
        // The arithmetic may round either way of the estimate: settle on what the comparison itself says.
        while (needed > 0 && Estimate(needed - 1) >= similarity)
        {
            needed--;
        }
        while (needed <= Length && Estimate(needed) < similarity)
        {
            needed++;
        }
        return needed;
    }

    private static double Estimate(int agreements)
        => (((double)agreements / Length) - ChanceAgreement) / (1 - ChanceAgreement);

    /// <summary>
    /// The words of a text (<see cref="LexicalWords"/>: folded runs of letters and digits, each Chinese or Japanese
    /// character a word), generated ids one word (<see cref="GeneratedIdentifiers"/>: a storm names a new pod or request
    /// in every alert) and digits folded to '#' as the summary says.
    /// </summary>
    private static string[] Words(string text)
    {
        var words = LexicalWords.Split(text);
        GeneratedIdentifiers.Fold(words, text);
        return Array.ConvertAll(words, FoldDigits);
    }

    private static string FoldDigits(string word)
        => word.Any(char.IsDigit) ? string.Create(word.Length, word, static (chars, word) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = char.IsDigit(word[i]) ? '#' : word[i];
            }
        }) : word;

    /// <summary>
    /// Whether <paramref name="text"/> has a word (<see cref="Words"/>: numbers folded) that <paramref name="original"/>
    /// lacks: "… resolved" after "…", "on login" after "on checkout". Similar wording with a word of its own is news,
    /// unless the word is one of <see cref="Filler"/>: "… again" repeats the alert.
    /// </summary>
    public static bool AddsWords(string text, string original)
    {
        // The sets themselves, not WordsOf's interface, whose enumerator would be boxed at every call.
        var known = RecentWords.Get(original);
        foreach (var word in RecentWords.Get(text))
        {
            if (!known.Contains(word) && !Filler.Contains(word))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// The text's distinct words (<see cref="Words"/>), shared by the callers with the same text instance while it is one
    /// of the texts compared last (<see cref="RecentWords"/>): every match of a message that finds a near-duplicate
    /// compares the message's words with the earlier text's, and split again for each match they were ~40 % of the bytes
    /// a silo allocated per match.
    /// </summary>
    public static IReadOnlySet<string> WordsOf(string text) => RecentWords.Get(text);

    /// <summary>
    /// Words that say nothing new in an alert: articles, forms of "to be", "again", "still". Not the stop words of
    /// scoring, which hold "up", "down", "not" and "off": "… is up" after "… is down" is the news.
    /// </summary>
    private static readonly HashSet<string> Filler = ["a", "an", "the", "is", "are", "was", "were", "be", "been", "am", "again", "still"];

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
