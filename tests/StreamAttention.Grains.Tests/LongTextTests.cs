using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Tests;

/// <summary>Long texts through the grains: scored in windows, one match per text and interest, truncation reported.</summary>
public sealed class LongTextTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private const string User = "long-texts";

    private const string Paragraph =
        "The primary postgresql database crashed overnight and the replica took over. Queries were slow for an hour while the database recovered.";

    /// <summary>Short, deep in a long text within the windows, early in a text far longer than the windows.</summary>
    private static readonly string[] Messages =
    [
        Paragraph,
        Texts.LongText(Paragraph, wordsBefore: 300, wordsAfter: 170),
        Texts.LongText(Paragraph, wordsBefore: 20, wordsAfter: 900),
    ];

    private IScoringGatewayGrain Gateway => fixture.Grains.GetGrain<IScoringGatewayGrain>(0);

    [Fact]
    public async Task Each_text_matches_once_by_its_best_window_and_says_whether_it_was_truncated()
    {
        // Between the paragraph's score in its window (~0.53) and far above a text cut after its first window (~0.13).
        await fixture.Grains.GetGrain<IUserGrain>(User).PutInterests([new InterestInput("db", "postgresql database outages", 0.45f)]);

        var forUser = await Gateway.Score(Messages, User);
        var forEveryone = (await Gateway.Score(Messages)).Where(m => m.UserId == User).ToArray();

        foreach (var matches in new[] { forUser, forEveryone })
        {
            Assert.Equal([(0, false), (1, false), (2, true)], matches.Select(m => (m.TextIndex, m.Truncated)));
            // The paragraph's words lead (the filler around it has words the interest's "outages" may attend to).
            Assert.All(matches, m => Assert.Equal(["database", "postgresql"], m.Highlights.Take(2).Select(h => h.Token).Order(StringComparer.Ordinal)));
        }
    }

    [Fact]
    public async Task The_users_history_keeps_the_truncated_flag()
    {
        const string user = User + "-history";
        var grain = fixture.Grains.GetGrain<IUserGrain>(user);
        await grain.PutInterests([new InterestInput("db", "postgresql database outages", 0.45f)]);

        var matches = await Gateway.Score([Messages[2]], user);

        Assert.True(Assert.Single(matches).Truncated);
        // The user grain records each match as it decides it, before the scoring call returns.
        var kept = Assert.Single(await grain.GetMatches(10));
        Assert.Equal((matches[0].MatchId, true), (kept.MatchId, kept.Truncated));
    }
}
