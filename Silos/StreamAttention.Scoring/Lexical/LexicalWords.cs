using System.Buffers;
using System.Globalization;
using System.Text;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Lexical;

/// <summary>
/// The words of a raw text for exact-term evidence, keyword rules, mutes and fingerprints: runs of letters, digits and
/// combining marks (any script) of the folded text (<see cref="UnicodeText.Fold(string)"/>: lowercase, one Unicode
/// form, so "échec" typed precomposed or decomposed and "ＤＢ１" in full-width are the same words), every other character
/// a boundary. Chinese and Japanese are written without spaces, so each of their ideographs and kana is a word of its
/// own and a term in them matches as the sequence of its characters ("遅延" in "レプリケーションが遅延"). Unlike the
/// embedders' tokens nothing is dropped (numbers, single letters, stop words and unknown words all count), so
/// "db-eu-1" is the words "db", "eu", "1" and "ORA-01555" is "ora", "01555".
/// </summary>
public static class LexicalWords
{
    public static string[] Split(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var folded = UnicodeText.Fold(text);
        var words = new List<string>();
        var start = -1;
        var i = 0;
        while (i <= folded.Length)
        {
            // A lone surrogate decodes as U+FFFD, a symbol: a boundary, never an exception.
            var length = 1;
            var rune = i < folded.Length && Rune.DecodeFromUtf16(folded.AsSpan(i), out var decoded, out length) == OperationStatus.Done ? decoded : Rune.ReplacementChar;
            var inWord = i < folded.Length && IsWordRune(rune);
            var alone = inWord && IsWrittenWithoutSpaces(rune);
            if (start >= 0 && (!inWord || alone))
            {
                words.Add(folded[start..i]);
                start = -1;
            }
            if (alone)
            {
                words.Add(rune.ToString());
            }
            else if (inWord && start < 0)
            {
                start = i;
            }
            i += Math.Max(1, length);
        }
        return [.. words];
    }

    /// <summary>
    /// Whether <paramref name="term"/> is one word as written: no boundary inside it, though a Chinese or Japanese one is
    /// several words of one character each ("遅延" is one word as written; "db-7" and "two words" are not).
    /// </summary>
    public static bool IsOneWord(string term)
    {
        var words = Split(term);
        return words.Length > 0 && string.Concat(words) == UnicodeText.Fold(term.Trim());
    }

    private static bool IsWordRune(Rune rune)
        => Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    /// <summary>Han ideographs (CJK Unified Ideographs and their extensions, compatibility ideographs), hiragana and katakana.</summary>
    private static bool IsWrittenWithoutSpaces(Rune rune) => rune.Value is
        (>= 0x3040 and <= 0x30FF) or (>= 0x31F0 and <= 0x31FF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x4E00 and <= 0x9FFF)
        or (>= 0xF900 and <= 0xFAFF) or (>= 0xFF66 and <= 0xFF9F) or (>= 0x20000 and <= 0x3134F);
}
