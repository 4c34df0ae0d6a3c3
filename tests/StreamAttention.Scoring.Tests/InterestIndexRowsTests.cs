using StreamAttention.Contracts;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests;

/// <summary>Indexes assembled from embedded rows or from other indexes score exactly as one built from the texts.</summary>
public sealed class InterestIndexRowsTests
{
    private static readonly HashingTestEmbedder Embedder = new();

    private static readonly InterestDefinition[] Interests =
    [
        new("a", "alpha beta gamma", "u1"),
        new("b", "delta", "u1", 0.2f),
        new("c", "alpha ?unknown epsilon zeta eta theta", "u2"),
        new("d", "beta beta iota kappa lambda mu nu xi omicron pi rho sigma", "u3", -0.5f),
    ];

    private static readonly string[] Messages = ["alpha beta", "delta epsilon zeta", "rho sigma alpha", "?nothing"];

    [Theory]
    [InlineData(InterestQueryMode.Words, 16)]
    [InlineData(InterestQueryMode.Words, 2)]
    [InlineData(InterestQueryMode.Pooled, 16)]
    public void From_rows_and_concatenated_indexes_score_like_the_built_index(InterestQueryMode mode, int maxQueries)
    {
        var options = new ScoringOptions { Queries = mode, MaxQueriesPerInterest = maxQueries, DefaultThreshold = -1 };
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);
        var messages = Embedder.Embed(Messages);
        var built = InterestIndex.Build(Interests, Embedder, options);

        var embedded = Embedder.Embed(Interests.Select(i => i.Text).ToArray());
        var rows = Enumerable.Range(0, Interests.Length).Select(i => embedded.Row(i, maxQueries)).ToArray();
        var fromRows = InterestIndex.FromRows(Interests, rows, Embedder.Dimension, options);
        var concatenated = InterestIndex.Concat(
            [InterestIndex.FromRows(Interests[..1], rows[..1], Embedder.Dimension, options), InterestIndex.Empty(Embedder.Dimension),
             InterestIndex.FromRows(Interests[1..], rows[1..], Embedder.Dimension, options)],
            Embedder.Dimension, options);

        var expected = Summary(scorer.Score(messages, built));
        Assert.True(expected.Length >= 12, $"{expected.Length} pairs");
        Assert.Equal(expected, Summary(scorer.Score(messages, fromRows)));
        Assert.Equal(expected, Summary(scorer.Score(messages, concatenated)));
        Assert.Equal(Interests.Select(i => i.Threshold ?? -1), concatenated.Thresholds);
    }

    [Fact]
    public void Rows_round_trip_without_padding()
    {
        var batch = Embedder.Embed(["alpha beta gamma", "delta", "?unknown"]);
        var rows = Enumerable.Range(0, batch.Count).Select(i => batch.Row(i)).ToArray();
        Assert.Equal([3, 1, 0], rows.Select(r => r.Tokens.Length));
        Assert.Equal(Embedder.Dimension, rows[1].TokenVectors.Length);

        var back = TokenBatch.FromRows(rows, Embedder.Dimension);
        Assert.Equal(batch.TokenVectors, back.TokenVectors);
        Assert.Equal(batch.TokenWeights, back.TokenWeights);
        Assert.Equal(batch.Pooled, back.Pooled);
        Assert.Equal(["alpha", "beta"], batch.Row(0, maxTokens: 2).Tokens);
        Assert.Throws<ArgumentException>(() => TokenBatch.FromRows(rows, Embedder.Dimension + 1));
    }

    private static (int, int, float)[] Summary(List<RowMatch> pairs)
        => pairs.Select(p => (p.MessageIndex, p.InterestIndex, MathF.Round(p.Score, 5))).ToArray();
}
