using StreamAttention.Embeddings.Windows;

namespace StreamAttention.Embeddings.Tests.Windows;

public sealed class WindowLayoutTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(64, 1)] // exactly one window's tokens: one window, as before windows existed
    [InlineData(65, 2)] // one token more: a second window, starting at 32
    [InlineData(96, 2)] // the second window ends exactly at the text's end
    [InlineData(97, 3)]
    [InlineData(288, 8)] // exactly the coverage of 8 windows
    [InlineData(289, 8)] // beyond it: still 8 windows, the rest is truncated
    [InlineData(10_000, 8)]
    public void Windows_are_as_many_as_cover_the_text_at_most_max_windows(int tokens, int windows)
    {
        var layout = WindowLayout.Of(64, overlap: 0.5, maxWindows: 8);

        Assert.Equal((64, 32, 288), (layout.Length, layout.Stride, layout.Coverage));
        Assert.Equal(windows, layout.WindowCount(tokens));
    }

    [Theory]
    [InlineData(65)]
    [InlineData(96)]
    [InlineData(200)]
    [InlineData(288)]
    public void The_windows_of_a_text_within_coverage_cover_every_token_and_each_adds_new_ones(int tokens)
    {
        var layout = WindowLayout.Of(64, 0.5, 8);
        var covered = new bool[tokens];
        var end = 0;
        for (var window = 0; window < layout.WindowCount(tokens); window++)
        {
            var start = layout.Start(window);
            var count = layout.TokensIn(window, tokens);
            Assert.InRange(count, 1, layout.Length);
            Assert.True(start + count > end, $"window {window} adds nothing");
            end = start + count;
            covered.AsSpan(start, count).Fill(true);
        }
        Assert.All(covered, Assert.True);
        Assert.Equal(tokens, end);
    }

    [Fact]
    public void One_window_covers_only_its_own_length()
    {
        var layout = WindowLayout.Of(64, 0.5, maxWindows: 1);

        Assert.Equal(64, layout.Coverage);
        Assert.Equal(1, layout.WindowCount(500));
        Assert.Equal(64, layout.TokensIn(0, 500));
    }

    [Theory]
    [InlineData(0.0, 64)]
    [InlineData(0.25, 48)]
    [InlineData(0.9, 6)]
    public void The_stride_is_the_share_of_a_window_not_repeated(double overlap, int stride)
        => Assert.Equal(stride, WindowLayout.Of(64, overlap, 4).Stride);

    [Fact]
    public void A_stride_longer_than_a_window_would_skip_tokens_and_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowLayout(8, 9, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => WindowLayout.Of(8, 1.0, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WindowLayout(8, 4, 0));
    }
}
