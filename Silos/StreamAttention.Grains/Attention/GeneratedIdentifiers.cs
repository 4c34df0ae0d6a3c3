using System.Buffers;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// Words of a text that a machine generated rather than a person wrote, which the duplicate check reads as one word,
/// <see cref="Placeholder"/>: a storm of one incident names a new pod, container, trace or request in every alert, and
/// each of those ids would otherwise be a word its first alert lacks. A word here is one of <see cref="LexicalWords"/>
/// (lower-cased; every character but a letter or digit separates, so <c>checkout-7f9c8d-x2kqp</c> is three), and an id
/// is made of ASCII letters and digits only:
/// <list type="number">
/// <item>a UUID: five words of 8, 4, 4, 4 and 12 hexadecimal digits;</item>
/// <item>hexadecimal of at least 6 characters with a digit and a letter: container ids, commit and ReplicaSet hashes
/// (<c>3f2a9c1e0b7d</c>, <c>7f9c8d</c>);</item>
/// <item>Kubernetes' generated names, from its alphabet without vowels and without 0, 1 and 3
/// (<see cref="KubernetesAlphabet"/>): a ReplicaSet hash of 6 to 10 characters followed by a pod suffix of 5, with a
/// digit in either (<c>5b6d4f8c9-bxqzt</c>); alone, 5 to 10 such characters with letters and digits alternating at least
/// twice (<c>b8zr4</c>, <c>x2kqp</c>; not a name then a number, <c>http2</c>, nor a number then a unit, <c>256mb</c>);</item>
/// <item>a base62 id: written in both cases, letters and digits alternating at least three times, so with at least 2
/// digits (<c>8KfZ2qLx</c>; not <c>IPv6</c> nor <c>PostgreSQL15</c>).</item>
/// </list>
/// Words with digits that people write (<c>ipv6</c>, <c>x86_64</c>, <c>k8s</c>, <c>ec2</c>, <c>sha256</c>) match none
/// of these: they stay words, their digits folded as every number's are.
/// </summary>
public static class GeneratedIdentifiers
{
    /// <summary>What an id reads as: '&lt;' is never inside a word, so no word of a text is this.</summary>
    public const string Placeholder = "<id>";

    /// <summary>The characters of Kubernetes' generated names (k8s.io/apimachinery's util/rand).</summary>
    public const string KubernetesAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private static readonly SearchValues<char> Kubernetes = SearchValues.Create(KubernetesAlphabet);
    private static readonly SearchValues<char> Hexadecimal = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> AsciiLettersAndDigits = SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
    private static readonly int[] UuidLengths = [8, 4, 4, 4, 12];

    /// <summary>Replaces each of <paramref name="words"/> (the words of <paramref name="text"/>) that is a generated id by <see cref="Placeholder"/>.</summary>
    public static void Fold(string[] words, string text)
    {
        // Case is read from the text as written: its words are lower-cased.
        HashSet<string>? base62 = null;
        var i = 0;
        while (i < words.Length)
        {
            var ids = IsUuid(words, i) ? UuidLengths.Length
                : IsReplicaSetHashAndPodSuffix(words, i) ? 2
                : IsHexadecimal(words[i]) || IsKubernetesName(words[i]) || (Runs(words[i]) >= 4 && (base62 ??= Base62Ids(UnicodeText.WithoutEscapeSequences(text))).Contains(words[i])) ? 1
                : 0;
            if (ids == 0)
            {
                i++;
            }
            for (var end = i + ids; i < end; i++)
            {
                words[i] = Placeholder;
            }
        }
    }

    private static bool IsUuid(string[] words, int start)
    {
        if (start + UuidLengths.Length > words.Length)
        {
            return false;
        }
        for (var i = 0; i < UuidLengths.Length; i++)
        {
            if (words[start + i].Length != UuidLengths[i] || words[start + i].AsSpan().ContainsAnyExcept(Hexadecimal))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsHexadecimal(string word)
        => word.Length >= 6 && !word.AsSpan().ContainsAnyExcept(Hexadecimal) && HasLetterAndDigit(word);

    private static bool IsReplicaSetHashAndPodSuffix(string[] words, int start)
        => start + 1 < words.Length && words[start].Length is >= 6 and <= 10 && words[start + 1].Length == 5
            && !words[start].AsSpan().ContainsAnyExcept(Kubernetes) && !words[start + 1].AsSpan().ContainsAnyExcept(Kubernetes)
            && (words[start].AsSpan().ContainsAnyInRange('0', '9') || words[start + 1].AsSpan().ContainsAnyInRange('0', '9'));

    private static bool IsKubernetesName(string word)
        => word.Length is >= 5 and <= 10 && !word.AsSpan().ContainsAnyExcept(Kubernetes) && Runs(word) >= 3;

    /// <summary>
    /// The lower-cased runs of ASCII letters and digits of <paramref name="text"/> (without its terminal escape
    /// sequences, as its words are) that are base62 ids (rule 4); most texts have none.
    /// </summary>
    private static HashSet<string> Base62Ids(string text)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var rest = text.AsSpan();
        while (rest.IndexOfAny(AsciiLettersAndDigits) is >= 0 and var start)
        {
            rest = rest[start..];
            var length = rest.IndexOfAnyExcept(AsciiLettersAndDigits) is >= 0 and var end ? end : rest.Length;
            var run = rest[..length];
            if (run.ContainsAnyInRange('A', 'Z') && run.ContainsAnyInRange('a', 'z') && Runs(run) >= 4)
            {
                ids.Add(run.ToString().ToLowerInvariant());
            }
            rest = rest[length..];
        }
        return ids;
    }

    private static bool HasLetterAndDigit(string word) => word.AsSpan().ContainsAnyInRange('0', '9') && word.AsSpan().ContainsAnyExceptInRange('0', '9');

    /// <summary>How many runs of digits and of other characters, alternating, make up <paramref name="word"/>: 1 for "ipv", 2 for "ipv6", 3 for "k8s".</summary>
    private static int Runs(ReadOnlySpan<char> word)
    {
        var runs = word.IsEmpty ? 0 : 1;
        for (var i = 1; i < word.Length; i++)
        {
            runs += char.IsAsciiDigit(word[i]) != char.IsAsciiDigit(word[i - 1]) ? 1 : 0;
        }
        return runs;
    }
}
