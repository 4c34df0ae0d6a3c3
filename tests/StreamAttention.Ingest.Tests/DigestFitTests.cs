using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StreamAttention.Contracts.Text;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

public sealed class DigestFitTests
{
    /// <summary>
    /// Texts cut to the last length still leave the digest too large: its worst listed matches (the lowest score, then the
    /// latest) are counted in their group instead, until it fits, the best ones still listed; the repeats' counts stay.
    /// </summary>
    [Fact]
    public void A_digest_its_cut_texts_leave_too_large_lists_its_best_matches_and_counts_the_rest()
    {
        var text = new string('x', 1_000);
        var groups = new[] { "db", "net" }.Select((interest, g) => new DigestGroup(interest,
            [.. Enumerable.Range(0, 20).Select(i => new UserMatch(DateTimeOffset.UnixEpoch.AddSeconds(i), interest, text, 0.9f - (2 * i + g) / 100f, [], $"{interest}-{i}"))], 3)).ToArray();
        var repeats = new[] { new DigestRepeat("r-1", "db", 12, DateTimeOffset.UnixEpoch, 0.8f, 0.85f, text) };
        var digest = new Digest("dave/4", "dave", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 46, groups, repeats, MoreRepeats: 30);

        var (value, textsCutTo, unlisted) = DigestFit.Fit(digest, 6_000);

        Assert.InRange(value.Length, 1, 6_000);
        var sent = JsonNode.Parse(value)!;
        Assert.Equal(("dave/4", 46), ((string?)sent["id"], (int)sent["total"]!));
        Assert.Equal((12, 30), ((int)sent["repeats"]![0]!["count"]!, (int)sent["moreRepeats"]!));
        var listed = sent["groups"]!.AsArray().SelectMany(g => g!["top"]!.AsArray().Select(m => (float)m!["score"]!)).ToArray();
        Assert.InRange(listed.Length, 1, 39);
        Assert.All(sent["groups"]!.AsArray(), g => Assert.Equal(23, g!["top"]!.AsArray().Count + (int)g["more"]!));
        // The listed ones are the best: every match left out scores below every one listed.
        var scores = groups.SelectMany(g => g.Top.Select(m => m.Score)).OrderDescending().ToArray();
        Assert.Equal(scores[..listed.Length], listed.OrderDescending());
        Assert.All(sent["groups"]!.AsArray().SelectMany(g => g!["top"]!.AsArray()), m => Assert.Equal(new string('x', DigestFit.TextCuts[^1]) + TextCut.Ellipsis, (string?)m!["text"]));
        // What was cut, for the record's headers: the texts' last length, and the matches counted that were listed.
        Assert.Equal((DigestFit.TextCuts[^1], 40 - listed.Length), (textsCutTo, unlisted));
    }

    /// <summary>A digest that fits is sent whole and says nothing was cut, though a text of it ends in "…".</summary>
    [Fact]
    public void A_digest_that_fits_is_its_whole_value_and_names_no_cut()
    {
        var digest = new Digest("dave/6", "dave", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 2,
            [new DigestGroup("db", [new UserMatch(DateTimeOffset.UnixEpoch, "db", "the database is down" + TextCut.Ellipsis, 0.9f, [], "m-1")], 1)], []);

        var fitted = DigestFit.Fit(digest, 100_000);

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(digest, OutputJson.Records.Digest), fitted.Value);
        Assert.Equal((null, 0), (fitted.TextsCutTo, fitted.MatchesUnlisted));
    }

    /// <summary>
    /// A digest of many short texts too large: no text is longer than a cut, so none is cut and none is said to be; its
    /// worst listed matches are counted instead.
    /// </summary>
    [Fact]
    public void A_digest_too_large_with_no_long_text_counts_matches_and_names_no_text_cut()
    {
        var digest = new Digest("dave/7", "dave", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 100,
            [new DigestGroup("db", [.. Enumerable.Range(0, 100).Select(i => new UserMatch(DateTimeOffset.UnixEpoch.AddSeconds(i), "db", new string('x', 200), 0.9f - i / 1000f, [], $"m-{i}"))], 0)], []);

        var (value, textsCutTo, unlisted) = DigestFit.Fit(digest, 5_000);

        var top = JsonNode.Parse(value)!["groups"]![0]!["top"]!.AsArray();
        Assert.All(top, m => Assert.Equal(new string('x', 200), (string?)m!["text"]));
        Assert.Null(textsCutTo);
        Assert.Equal(100 - top.Count, unlisted);
        Assert.InRange(unlisted, 1, 99);
    }

    /// <summary>A cut falling between the two halves of a surrogate pair (an emoji) keeps neither: half a character is no UTF-8.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_text_is_cut_before_a_character_never_inside_it(int shift)
    {
        var cut = DigestFit.TextCuts[0];
        var text = new string('a', cut - 1 - shift) + string.Concat(Enumerable.Repeat("😀", 10_000));
        var digest = new Digest("dave/5", "dave", DateTimeOffset.UnixEpoch, DigestReasons.Schedule, 1,
            [new DigestGroup("db", [new UserMatch(DateTimeOffset.UnixEpoch, "db", text, 0.9f, [], "m-1")], 0)], []);

        var fitted = DigestFit.Fit(digest, 100_000);

        var sent = (string)JsonNode.Parse(new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(fitted.Value))!["groups"]![0]!["top"]![0]!["text"]!;
        Assert.Equal(cut, fitted.TextsCutTo);
        Assert.EndsWith(TextCut.Ellipsis, sent, StringComparison.Ordinal);
        var kept = sent[..^TextCut.Ellipsis.Length];
        Assert.StartsWith(kept, text, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(kept[^1]));
        Assert.Equal(cut - 1 + shift, kept.Length);
    }
}
