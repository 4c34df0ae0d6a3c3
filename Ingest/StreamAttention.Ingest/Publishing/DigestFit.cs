using System.Text.Json;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// Writes a digest's record value within the producer's <c>message.max.bytes</c>: the producer refuses a larger record at
/// every resend, and a user's grain sends its digests in order, so one digest of long messages (up to 100 listed matches
/// and 100 repeats, each with its whole text) held back every later one for good. Its texts are cut first, each listed
/// match's and each repeat's last text, to <see cref="TextCuts"/> characters in turn (ending in <see cref="Ellipsis"/>);
/// then its worst listed matches are only counted, in their group's <see cref="DigestGroup.More"/>. The digest keeps its
/// id, total, groups and repeats with their counts.
/// </summary>
public static class DigestFit
{
    /// <summary>The lengths, in characters, a digest's texts are cut to, each tried in turn while the value does not fit.</summary>
    public static readonly IReadOnlyList<int> TextCuts = [4_096, 1_024, 256];

    /// <summary>What ends a cut text.</summary>
    public const string Ellipsis = "…";

    /// <summary>The digest's JSON value, at most <paramref name="maxBytes"/> long where cutting its texts and listing fewer can make it so.</summary>
    public static byte[] Value(Digest digest, int maxBytes)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
        for (var cut = 0; value.Length > maxBytes && cut < TextCuts.Count; cut++)
        {
            digest = WithTextsCut(digest, TextCuts[cut]);
            value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
        }
        while (value.Length > maxBytes && digest.Groups.Any(g => g.Top.Count > 0))
        {
            digest = WithoutWorstListed(digest);
            value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
        }
        return value;
    }

    private static Digest WithTextsCut(Digest digest, int length) => digest with
    {
        Groups = [.. digest.Groups.Select(g => g with { Top = [.. g.Top.Select(m => m with { Text = Cut(m.Text, length) })] })],
        Repeats = digest.Repeats?.Select(r => r with { LastText = Cut(r.LastText, length) }).ToArray(),
    };

    /// <summary>The listed match the digest ranks last (the lowest score, then the latest) counted in its group instead.</summary>
    private static Digest WithoutWorstListed(Digest digest)
    {
        var worst = digest.Groups.SelectMany(g => g.Top).OrderBy(m => m.Score).ThenByDescending(m => m.At).First();
        return digest with
        {
            Groups = [.. digest.Groups.Select(g => g.Top.Contains(worst) ? g with { Top = [.. g.Top.Where(m => !ReferenceEquals(m, worst))], More = g.More + 1 } : g)],
        };
    }

    /// <summary>The text's first <paramref name="length"/> characters and the ellipsis, a surrogate pair never split.</summary>
    private static string Cut(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        var end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return string.Concat(text.AsSpan(0, end), Ellipsis);
    }
}
