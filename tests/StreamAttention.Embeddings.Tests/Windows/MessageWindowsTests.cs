using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Embeddings.Windows;

namespace StreamAttention.Embeddings.Tests.Windows;

[Collection(GloveVectorsCollection.Name)]
public sealed class MessageWindowsTests(GloveVectorsFixture glove)
{
    private static readonly string[] Words =
        "database server network storage memory cluster kernel packet router switch cable disk backup replica index query table schema column row"
            .Split(' ');

    /// <summary>A text of <paramref name="count"/> distinct-position known words (no stop words), so tokens = words.</summary>
    private static string Text(int count, int offset = 0) => string.Join(' ', Enumerable.Range(offset, count).Select(i => Words[i % Words.Length]));

    private StaticWordEmbedder Embedder(int maxTokens = 8) => new(glove.Vectors, new WordVectorOptions { MaxTokens = maxTokens });

    [Fact]
    public void A_text_of_at_most_one_window_is_one_row_exactly_as_embedded()
    {
        using var embedder = Embedder();
        string[] texts = [Text(3), Text(8), ""];

        var windows = embedder.EmbedWindows(texts, WindowLayout.Of(8, 0.5, 4));
        var plain = embedder.Embed(texts);

        Assert.Equal(3, windows.Rows.Count);
        Assert.Equal(plain.TokenVectors, windows.Rows.TokenVectors);
        Assert.Equal(plain.Pooled, windows.Rows.Pooled);
        Assert.Equal(plain.TokenTexts, windows.Rows.TokenTexts);
        Assert.All(Enumerable.Range(0, 3), text => Assert.False(windows.Truncated(text)));
    }

    [Fact]
    public void A_long_text_becomes_overlapping_windows_each_embedded_as_its_words_alone()
    {
        using var embedder = Embedder();
        var layout = WindowLayout.Of(8, 0.5, 4); // windows at 0, 4, 8, 12: 20 tokens covered

        var windows = embedder.EmbedWindows([Text(2), Text(14), Text(1)], layout);

        Assert.Equal((1, 3, 1), (windows.WindowCount(0), windows.WindowCount(1), windows.WindowCount(2)));
        Assert.Equal([0, 1, 1, 1, 2], Enumerable.Range(0, windows.Rows.Count).Select(windows.TextOf));
        (int Start, int Count)[] expected = [(0, 8), (4, 8), (8, 6)];
        for (var window = 0; window < 3; window++)
        {
            var row = windows.FirstRow(1) + window;
            var alone = embedder.Embed([Text(expected[window].Count, expected[window].Start)]);
            Assert.Equal(alone.TokenTexts[0], windows.Rows.TokenTexts[row]);
            Assert.Equal(alone.PooledVector(0).ToArray(), windows.Rows.PooledVector(row).ToArray());
            Assert.Equal(alone.Row(0).TokenVectors, windows.Rows.Row(row).TokenVectors);
        }
        Assert.False(windows.Truncated(1));
    }

    [Theory]
    [InlineData(20, false)] // exactly the coverage of 4 windows of 8 at stride 4
    [InlineData(21, true)]
    [InlineData(100, true)]
    public void A_text_is_truncated_exactly_when_it_has_tokens_beyond_the_windows(int tokens, bool truncated)
    {
        using var embedder = Embedder();

        var windows = embedder.EmbedWindows([Text(tokens)], WindowLayout.Of(8, 0.5, 4));

        Assert.Equal(truncated, windows.Truncated(0));
        Assert.Equal(4, windows.WindowCount(0));
        Assert.Equal(Text(20).Split(' ')[12..], windows.Rows.TokenTexts[3]);
    }

    [Fact]
    public void One_window_keeps_the_first_tokens_as_before_and_marks_the_rest_truncated()
    {
        using var embedder = Embedder();

        var windows = embedder.EmbedWindows([Text(9)], WindowLayout.Of(8, 0.5, 1));

        Assert.Equal(1, windows.Rows.Count);
        Assert.Equal(embedder.Embed([Text(9)]).Pooled, windows.Rows.Pooled);
        Assert.True(windows.Truncated(0));
    }

    [Fact]
    public void The_best_window_per_text_and_interest_wins_the_earlier_on_a_tie()
    {
        using var embedder = Embedder();
        var windows = embedder.EmbedWindows([Text(2), Text(14), Text(14)], WindowLayout.Of(8, 0.5, 4));
        // Rows: text 0 → 0; text 1 → 1, 2, 3; text 2 → 4, 5, 6.
        (int Row, string Interest, float Score)[] matches =
            [(0, "a", 0.9f), (1, "a", 0.7f), (2, "a", 0.8f), (3, "a", 0.75f), (1, "b", 0.6f), (5, "b", 0.7f), (4, "b", 0.7f)];

        var best = windows.BestWindows(matches, m => m.Row, m => m.Interest, m => m.Score);

        Assert.Equal([(0, (0, "a", 0.9f)), (1, (2, "a", 0.8f)), (1, (1, "b", 0.6f)), (2, (4, "b", 0.7f))], best);
    }

    [Fact]
    public void An_embedder_without_windows_gives_each_text_one_window_cut_as_embedded()
    {
        using var embedder = Embedder();
        ITextEmbedder plain = new PlainEmbedder(embedder);

        var windows = plain.EmbedWindows([Text(3), Text(12)], WindowLayout.Of(8, 0.5, 4));

        Assert.Equal(2, windows.Rows.Count);
        Assert.Equal((false, true), (windows.Truncated(0), windows.Truncated(1)));
    }

    /// <summary>Only <see cref="ITextEmbedder.Embed"/>, as an embedder with contextual tokens might be.</summary>
    private sealed class PlainEmbedder(ITextEmbedder inner) : ITextEmbedder
    {
        public string Name => inner.Name;

        public int Dimension => inner.Dimension;

        public int MaxTokens => inner.MaxTokens;

        public TokenBatch Embed(IReadOnlyList<string> texts) => inner.Embed(texts);

        public void Dispose()
        {
        }
    }
}
