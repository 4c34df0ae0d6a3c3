using StreamAttention.Contracts.Scoring;
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
    public void Indexes_reading_their_rows_of_a_concatenation_score_bit_for_bit_as_before()
    {
        var options = new ScoringOptions { DefaultThreshold = -1, Calibration = ScoreCalibration.None };
        var messages = Embedder.Embed(Messages);
        var embedded = Embedder.Embed(Interests.Select(i => i.Text).ToArray());
        var rows = Enumerable.Range(0, Interests.Length).Select(i => embedded.Row(i, options.MaxQueriesPerInterest)).ToArray();
        var words = new WordTable(Embedder.Dimension);
        InterestIndex[] parts = [InterestIndex.FromRows(Interests[..1], rows[..1], Embedder.Dimension, options, words),
            InterestIndex.FromRows(Interests[1..], rows[1..], Embedder.Dimension, options, words)];
        var before = parts.Select(part => Exact(ScoreAlone(part, messages, options))).ToArray();
        var queries = parts.Select(part => part.Queries.ToArray()).ToArray();
        var concatenated = InterestIndex.Concat(parts, Embedder.Dimension, options);

        parts[0].ShareQueries(concatenated, 0);
        parts[1].ShareQueries(concatenated, parts[0].Count);

        for (var p = 0; p < parts.Length; p++)
        {
            // The rows are the concatenation's (no copy of their own), their values unchanged, and so are the scores.
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(parts[p].Queries, out var shared));
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(concatenated.Queries, out var whole));
            Assert.Same(whole.Array, shared.Array);
            Assert.Equal(queries[p], parts[p].Queries.ToArray());
            Assert.True(before[p].Length >= 4, $"{before[p].Length} pairs");
            Assert.Equal(before[p], Exact(ScoreAlone(parts[p], messages, options)));
        }
        // Rows that are not the index's own are refused: sharing them would change its scores.
        Assert.Throws<ArgumentException>(() => parts[1].ShareQueries(concatenated, 0));
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

    /// <summary>A fresh scorer each time, so that nothing it built for one index is reused for another.</summary>
    private static List<RowMatch> ScoreAlone(InterestIndex index, TokenBatch messages, ScoringOptions options)
    {
        using var scorer = new TwoStageScorer(TestData.Sessions(), options);
        return scorer.Score(messages, index);
    }

    private static (int, int, float, float, float, string)[] Exact(List<RowMatch> pairs)
        => pairs.Select(p => (p.MessageIndex, p.InterestIndex, p.Score, p.RawScore, p.PrefilterScore, string.Join(";", p.Highlights.Select(h => h.ToString())))).ToArray();

    private static (int, int, float)[] Summary(List<RowMatch> pairs)
        => pairs.Select(p => (p.MessageIndex, p.InterestIndex, MathF.Round(p.Score, 5))).ToArray();
}
