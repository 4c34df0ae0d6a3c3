using System.Buffers;
using System.Globalization;
using System.Text;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// Splits text into folded words (<see cref="UnicodeText.Fold(string)"/>: lowercase, one Unicode form) of letters and
/// digits (any script), the way the GloVe vocabulary spells them:
/// <list type="bullet">
/// <item>any other character separates words: "eu-west-1" is "eu", "west"; "user_id" is "user", "id"; a URL is its parts;</item>
/// <item>hyphenated words stay one token when the vocabulary knows the compound ("e-mail", "real-time", "end-to-end"),
/// the longest known one from the first part on;</item>
/// <item>letters and digits stay together: "p99", "5xx", "ipv6";</item>
/// <item>an apostrophe (' or ’) inside a word joins ("don't", "o'neill") and a trailing "'s" is dropped ("server's" is "server");</item>
/// <item>single letters, words without a letter ("1", "2024") and stop words are dropped: they say nothing about a
/// topic, and the vocabulary has no single letters and no plain numbers, so they would only count as unknown.</item>
/// </list>
/// </summary>
public sealed class WordTokenizer
{
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _stopWords;
    private readonly KnownWord? _isKnownCompound;

    /// <param name="isKnownCompound">Whether a hyphenated compound is one word of the vocabulary; null splits every hyphen.</param>
    public WordTokenizer(IEnumerable<string> stopWords, KnownWord? isKnownCompound = null)
    {
        _stopWords = new HashSet<string>(stopWords, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _isKnownCompound = isKnownCompound;
    }

    public delegate bool KnownWord(ReadOnlySpan<char> word);

    /// <summary>English stop words; every hyphen separates.</summary>
    public static WordTokenizer English { get; } = new(EnglishStopWords.Words);

    public bool IsStopWord(ReadOnlySpan<char> word) => _stopWords.Contains(word);

    /// <summary>
    /// Enumerates the tokens of <paramref name="text"/>, folded (<see cref="UnicodeText.Fold(ReadOnlySpan{char}, Span{char})"/>);
    /// they are slices of <paramref name="scratch"/>, or of a new array for a text whose folded form does not fit.
    /// </summary>
    /// <param name="scratch">Room for the folded text, at least <paramref name="text"/>'s length.</param>
    public TokenEnumerator EnumerateTokens(ReadOnlySpan<char> text, Span<char> scratch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, text.Length, nameof(scratch));
        return new TokenEnumerator(this, UnicodeText.Fold(text, scratch));
    }

    public List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        foreach (var token in EnumerateTokens(text, new char[text.Length]))
        {
            tokens.Add(token.ToString());
        }
        return tokens;
    }

    public ref struct TokenEnumerator
    {
        private readonly WordTokenizer _tokenizer;
        private readonly Span<char> _text;
        private int _position;

        internal TokenEnumerator(WordTokenizer tokenizer, Span<char> lowercaseText)
        {
            _tokenizer = tokenizer;
            _text = lowercaseText;
        }

        public ReadOnlySpan<char> Current { get; private set; }

        public readonly TokenEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            while (_position < _text.Length)
            {
                if (WordCharacterLength(_position) == 0)
                {
                    _position++;
                    continue;
                }
                var start = _position;
                _position = WordEnd(start);
                if (_tokenizer._isKnownCompound is { } isKnownCompound)
                {
                    _position = LongestKnownCompoundEnd(start, _position, isKnownCompound);
                }
                ReadOnlySpan<char> word = _text[start.._position];
                if (word.EndsWith("'s") && word.Length > 2)
                {
                    word = word[..^2];
                }
                if (IsSingleLetter(word) || !HasLetter(word) || _tokenizer.IsStopWord(word))
                {
                    continue;
                }
                Current = word;
                return true;
            }
            return false;
        }

        /// <summary>Where the word starting at <paramref name="start"/> ends: past its letters, digits, marks and inner apostrophes.</summary>
        private readonly int WordEnd(int start)
        {
            var end = start;
            while (end < _text.Length)
            {
                var next = WordCharacterLength(end);
                if (next == 0 && IsJoiner(end))
                {
                    next = 1;
                }
                if (next == 0)
                {
                    break;
                }
                end += next;
            }
            return end;
        }

        /// <summary>The end of the longest known compound "first-second-…" starting at <paramref name="start"/>, or <paramref name="wordEnd"/>.</summary>
        private readonly int LongestKnownCompoundEnd(int start, int wordEnd, KnownWord isKnownCompound)
        {
            var end = wordEnd;
            var probe = wordEnd;
            while (probe + 1 < _text.Length && _text[probe] == '-' && WordCharacterLength(probe + 1) > 0)
            {
                probe = WordEnd(probe + 1);
                if (isKnownCompound(_text[start..probe]))
                {
                    end = probe;
                }
            }
            return end;
        }

        /// <summary>UTF-16 length of the letter, digit or combining mark at <paramref name="index"/>; 0 for anything else.</summary>
        private readonly int WordCharacterLength(int index)
        {
            var c = _text[index];
            if (char.IsAscii(c))
            {
                return char.IsAsciiLetterOrDigit(c) ? 1 : 0;
            }
            if (Rune.DecodeFromUtf16(_text[index..], out var rune, out var length) != OperationStatus.Done)
            {
                return 0;
            }
            return Rune.IsLetterOrDigit(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                ? length
                : 0;
        }

        /// <summary>An apostrophe followed by a letter or digit; a typographic apostrophe is rewritten as ' so both spell alike.</summary>
        private readonly bool IsJoiner(int index)
        {
            if (_text[index] is not ('\'' or '\u2019') || index + 1 >= _text.Length || WordCharacterLength(index + 1) == 0)
            {
                return false;
            }
            _text[index] = '\'';
            return true;
        }

        private static bool HasLetter(ReadOnlySpan<char> word)
        {
            foreach (var rune in word.EnumerateRunes())
            {
                if (Rune.IsLetter(rune))
                {
                    return true;
                }
            }
            return false;
        }

        private static bool IsSingleLetter(ReadOnlySpan<char> word)
            => Rune.DecodeFromUtf16(word, out var rune, out var length) == OperationStatus.Done && length == word.Length && Rune.IsLetter(rune);
    }
}
