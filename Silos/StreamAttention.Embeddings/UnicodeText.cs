using System.Buffers;
using System.Text;
using ICU4N;
using ICU4N.Globalization;
using ICU4N.Text;

namespace StreamAttention.Embeddings;

/// <summary>
/// The one place where texts are brought to one Unicode form, so that a word matches itself however it was typed or
/// encoded: "é" precomposed (NFC) or as "e" and a combining accent (NFD), "５０３" in full-width digits, "Straße" and
/// "STRASSE", a zero-width joiner or soft hyphen inside a word, "İSTANBUL" and "istanbul". ICU's normaliser, not
/// <see cref="string.Normalize()"/>: under InvariantGlobalization (Directory.Build.props) the latter returns its input
/// unchanged. Case folding is Unicode's own, the same in every process whatever its culture.
/// </summary>
public static class UnicodeText
{
    private const char CombiningDotAbove = '\u0307';

    /// <summary>
    /// NFKC_Casefold (compatibility forms unified, case folded, default-ignorable characters removed), then a combining
    /// dot above dropped after a soft-dotted letter (<see cref="WithoutDotsOnSoftDotted"/>).
    /// </summary>
    public static string Fold(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }
        var folded = Normalizer2.NFKCCaseFoldInstance.Normalize(text);
        return folded.Contains(CombiningDotAbove) ? WithoutDotsOnSoftDotted(folded.ToCharArray()).ToString() : folded;
    }

    /// <summary>
    /// <see cref="Fold(string)"/> into <paramref name="scratch"/> where it fits (an ASCII text always does), else into a
    /// new array: folding may lengthen a text ("ß" is "ss").
    /// </summary>
    public static Span<char> Fold(ReadOnlySpan<char> text, Span<char> scratch)
    {
        if (Ascii.IsValid(text) && Ascii.ToLower(text, scratch, out var lowered) == OperationStatus.Done)
        {
            return scratch[..lowered];
        }
        var folded = Normalizer2.NFKCCaseFoldInstance.TryNormalize(text, scratch, out var written)
            ? scratch[..written]
            : Normalizer2.NFKCCaseFoldInstance.Normalize(text).ToCharArray();
        return folded.Contains(CombiningDotAbove) ? WithoutDotsOnSoftDotted(folded) : folded;
    }

    /// <summary>
    /// The form a WordPiece tokenizer is given a text in. Where it lower-cases and removes accents (an uncased
    /// vocabulary): <see cref="Fold(string)"/>, so its words are the lexical words' ("STRASSE" is "Straße", "İ" is "i"),
    /// then NFD, so the accents stand apart as the combining marks it removes. Else NFKC without default-ignorable
    /// characters, the fold less its case. Either way "ＤＢ" in full-width letters is "DB" and a zero-width joiner, soft
    /// hyphen or right-to-left mark inside or beside a word is gone rather than cutting it or making it unknown.
    /// </summary>
    public static string ForWordPieces(string text, bool uncased)
    {
        if (uncased)
        {
            var folded = Fold(text);
            return Ascii.IsValid(folded) ? folded : Normalizer2.NFDInstance.Normalize(folded);
        }
        return Ascii.IsValid(text) ? text : WithoutDefaultIgnorables(Normalizer2.NFKCInstance.Normalize(text));
    }

    private static string WithoutDefaultIgnorables(string text)
    {
        var kept = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (!UChar.HasBinaryProperty(rune.Value, UProperty.Default_Ignorable_Code_Point))
            {
                kept.Append(rune);
            }
        }
        return kept.Length == text.Length ? text : kept.ToString();
    }

    /// <summary>
    /// <paramref name="folded"/> without each U+0307 COMBINING DOT ABOVE that directly follows a soft-dotted letter (i, j,
    /// Cyrillic і, ј, į, …), composed again (NFC) where one went. Case folding turns Turkish "İ" into "i" and that dot
    /// (Unicode folds it so for every language but Turkish), so "İSTANBUL" would not be "istanbul"; the dot is the one the
    /// letter has anyway (Unicode's soft-dotted property), so dropping it loses nothing a reader sees, as ICU's
    /// Turkic-insensitive matching and search engines do. Works in place; a text that loses a dot comes back as a new array.
    /// </summary>
    private static Span<char> WithoutDotsOnSoftDotted(Span<char> folded)
    {
        var length = 0;
        for (var i = 0; i < folded.Length; i++)
        {
            if (folded[i] == CombiningDotAbove && length > 0
                && Rune.DecodeLastFromUtf16(folded[..length], out var previous, out _) == OperationStatus.Done
                && UChar.HasBinaryProperty(previous.Value, UProperty.Soft_Dotted))
            {
                continue;
            }
            folded[length++] = folded[i];
        }
        // A mark after the dropped dot may now compose with the letter (Lithuanian "i̇́" is "í").
        return length == folded.Length ? folded : Normalizer2.NFCInstance.Normalize(new string(folded[..length])).ToCharArray();
    }
}
