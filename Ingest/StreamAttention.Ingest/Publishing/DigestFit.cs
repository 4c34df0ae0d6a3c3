using System.Text.Json;
using StreamAttention.Contracts.Text;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// Writes a digest's record value within the producer's <c>message.max.bytes</c>: the producer refuses a larger record at
/// every resend, and a user's grain sends its digests in order, so one digest of long messages (up to 100 listed matches
/// and 100 repeats, each with its whole text) held back every later one for good. Its texts are cut first, each listed
/// match's and each repeat's last text, to <see cref="TextCuts"/> characters in turn (<see cref="TextCut.Start"/>, ending
/// in <see cref="TextCut.Ellipsis"/>); then its worst listed matches are only counted, in their group's
/// <see cref="DigestGroup.More"/>. The digest keeps its id, total, groups and repeats with their counts. What was cut is
/// returned with the value, for the record's headers: a text may end in "…" of itself.
/// </summary>
public static class DigestFit
{
    /// <summary>The lengths, in characters, a digest's texts are cut to, each tried in turn while the value does not fit.</summary>
    public static readonly IReadOnlyList<int> TextCuts = [4_096, 1_024, 256];

    /// <summary>A digest's value as sent, and what of the digest it lacks.</summary>
    /// <param name="TextsCutTo">
    /// The length every text longer than it was cut to (the last of <see cref="TextCuts"/> that cut one); null when no
    /// text was cut.
    /// </param>
    /// <param name="MatchesUnlisted">How many listed matches the value counts in their group's <see cref="DigestGroup.More"/> instead.</param>
    public readonly record struct Fitted(byte[] Value, int? TextsCutTo, int MatchesUnlisted);

    /// <summary>
    /// The digest's JSON value, at most <paramref name="maxBytes"/> long where cutting its texts and listing fewer can make
    /// it so, and what it lacks. A digest that fits is serialized once and nothing else is done.
    /// </summary>
    public static Fitted Fit(Digest digest, int maxBytes)
    {
        var value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
        int? textsCutTo = null;
        for (var cut = 0; value.Length > maxBytes && cut < TextCuts.Count; cut++)
        {
            if (HasTextLongerThan(digest, TextCuts[cut]))
            {
                digest = WithTextsCut(digest, TextCuts[cut]);
                value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
                textsCutTo = TextCuts[cut];
            }
        }
        var unlisted = 0;
        for (; value.Length > maxBytes && digest.Groups.Any(g => g.Top.Count > 0); unlisted++)
        {
            digest = WithoutWorstListed(digest);
            value = JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest);
        }
        return new Fitted(value, textsCutTo, unlisted);
    }

    private static bool HasTextLongerThan(Digest digest, int length)
        => digest.Groups.Any(g => g.Top.Any(m => m.Text.Length > length)) || digest.Repeats?.Any(r => r.LastText.Length > length) == true;

    private static Digest WithTextsCut(Digest digest, int length) => digest with
    {
        Groups = [.. digest.Groups.Select(g => g with { Top = [.. g.Top.Select(m => m with { Text = TextCut.Start(m.Text, length) })] })],
        Repeats = digest.Repeats?.Select(r => r with { LastText = TextCut.Start(r.LastText, length) }).ToArray(),
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
}
