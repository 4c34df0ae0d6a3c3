using System.Buffers;
using System.Text;
using ICU4N;
using ICU4N.Globalization;
using ICU4N.Text;

namespace StreamAttention.Embeddings;

/// <summary>
/// The one place where texts are brought to one Unicode form, so that a word matches itself however it was typed or
/// encoded: "é" precomposed (NFC) or as "e" and a combining accent (NFD), "５０３" in full-width digits, "Straße" and
/// "STRASSE", a zero-width joiner or soft hyphen inside a word, "İSTANBUL" and "istanbul", a word in a terminal's colours
/// or without them. ICU's normaliser, not <see cref="string.Normalize()"/>: under InvariantGlobalization
/// (Directory.Build.props) the latter returns its input unchanged. Case folding is Unicode's own, the same in every
/// process whatever its culture.
/// </summary>
public static class UnicodeText
{
    private const char CombiningDotAbove = '\u0307';
    private const char Escape = '\u001B';
    private const char Bell = '\u0007';

    /// <summary>
    /// Terminal escape sequences removed (<see cref="WithoutEscapeSequences"/>), NFKC_Casefold (compatibility forms
    /// unified, case folded, default-ignorable characters removed), then a combining dot above dropped after a
    /// soft-dotted letter (<see cref="WithoutDotsOnSoftDotted"/>).
    /// </summary>
    public static string Fold(string text)
    {
        text = WithoutEscapeSequences(text);
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
        if (text.Contains(Escape))
        {
            text = WithoutEscapeSequences(text.ToString());
        }
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
        text = WithoutEscapeSequences(text);
        return Ascii.IsValid(text) ? text : WithoutDefaultIgnorables(Normalizer2.NFKCInstance.Normalize(text));
    }

    /// <summary>
    /// <paramref name="text"/> without the terminal escape sequences a log line copied or piped from a terminal keeps
    /// (ECMA-48, ECMA-35): control sequences (ESC [ parameters 0x30-0x3F, intermediates 0x20-0x2F, a final byte
    /// 0x40-0x7E: colours, grep --color's marks, which may sit inside a word), control strings (ESC ] an operating
    /// system command: hyperlinks, titles; ESC P, X, ^, _ a device control, start-of-string, privacy message or
    /// application program command) ended by BEL or ESC \, and every other escape sequence (ESC, intermediates
    /// 0x21-0x2F, a final byte 0x30-0x7E: tput sgr0's ESC ( B, ESC 7 and ESC 8 around a progress bar, ESC c). Their
    /// letters ("31m", "K", "B") would otherwise join the next word ("\u001B[31mORA-00600" would be the words "31mora" and
    /// "00600"), and a sequence inside a word would cut it. An ESC that starts none (at the end, before another ESC, a space
    /// or a character outside 0x21-0x7E) stays, a boundary as every control character is; a control string whose next BEL
    /// or ESC is not its end (cut short, as a terminal ends it at that ESC) loses only its ESC and introducer, so no text
    /// after it is taken. One pass: each search for a string's end stops at the next ESC, so a line of many sequences costs
    /// its length.
    /// </summary>
    public static string WithoutEscapeSequences(string text)
    {
        var next = text.IndexOf(Escape);
        if (next < 0)
        {
            return text;
        }
        var kept = new StringBuilder(text.Length);
        var position = 0;
        while (next >= 0)
        {
            kept.Append(text, position, next - position);
            position = SequenceEnd(text, next);
            if (position == next)
            {
                kept.Append(Escape);
                position++;
            }
            next = text.IndexOf(Escape, position);
        }
        return kept.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Where the escape sequence at <paramref name="escape"/> ends, or <paramref name="escape"/> where none starts there.</summary>
    private static int SequenceEnd(string text, int escape)
    {
        var start = escape + 2;
        if (start > text.Length)
        {
            return escape;
        }
        switch (text[escape + 1])
        {
            case '[':
            {
                var end = start;
                while (end < text.Length && text[end] is >= '\u0030' and <= '\u003F')
                {
                    end++;
                }
                while (end < text.Length && text[end] is >= '\u0020' and <= '\u002F')
                {
                    end++;
                }
                return end < text.Length && text[end] is >= '\u0040' and <= '\u007E' ? end + 1 : end;
            }
            case ']' or 'P' or 'X' or '^' or '_':
            {
                var terminator = text.AsSpan(start).IndexOfAny(Bell, Escape);
                if (terminator >= 0)
                {
                    var at = start + terminator;
                    if (text[at] == Bell)
                    {
                        return at + 1;
                    }
                    if (at + 1 < text.Length && text[at + 1] == '\\')
                    {
                        return at + 2;
                    }
                }
                return start;
            }
            default:
            {
                // Not a space: a stray ESC before a space and a word stays a boundary rather than taking that word's letter.
                var end = escape + 1;
                while (end < text.Length && text[end] is >= '\u0021' and <= '\u002F')
                {
                    end++;
                }
                return end < text.Length && text[end] is >= '\u0030' and <= '\u007E' ? end + 1 : escape;
            }
        }
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
