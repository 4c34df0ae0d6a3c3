using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Scoring.Calibration;

namespace StreamAttention.Scoring.Tests.Calibration;

public sealed class BackgroundSampleTests
{
    private readonly HashingTestEmbedder _embedder = new(dimension: 8);

    [Fact]
    public void The_sample_holds_at_most_its_capacity_and_counts_every_message_seen()
    {
        var sample = new BackgroundSample(capacity: 10, refreshMessages: 25);
        for (var batch = 0; batch < 7; batch++)
        {
            sample.Add(_embedder.Embed(Enumerable.Range(0, 9).Select(m => $"w{batch} w{m}").ToArray()));
            Assert.Equal(Math.Min(10, 9 * (batch + 1)), sample.Count);
        }
        Assert.Equal(63, sample.Seen);
        Assert.Equal(63 / 25, sample.Generation);
        Assert.Equal(10, sample.Batch().Count);
    }

    [Fact]
    public void Messages_without_a_known_word_are_not_part_of_the_background()
    {
        var sample = new BackgroundSample(capacity: 10, refreshMessages: 100);
        sample.Add(_embedder.Embed(["", "?unknown", "w1 w2"]));
        Assert.Equal(1, sample.Count);
        Assert.Equal(1, sample.Seen);
    }

    [Fact]
    public void A_text_cut_into_windows_is_one_message_of_the_background_by_its_first_window_also_after_travelling_as_rows()
    {
        var windows = MessageWindows.Split(new HashingTestEmbedder(dimension: 8, maxTokens: 64).Embed(["short one", string.Join(' ', Enumerable.Range(0, 14).Select(w => $"long{w}")), "short two"]),
            new WindowLayout(length: 4, stride: 4, maxWindows: 8));
        // As the gateway sends them to the silos: rows, batched again there.
        var travelled = TokenBatch.FromRows(Enumerable.Range(0, windows.Rows.Count).Select(row => windows.Rows.Row(row)).ToArray(), windows.Rows.Dimension);
        Assert.Equal(6, travelled.Count);
        Assert.Equal([false, false, true, true, true, false], travelled.LaterWindow);

        foreach (var rows in new[] { windows.Rows, travelled })
        {
            var sample = new BackgroundSample(capacity: 10, refreshMessages: 100);
            sample.Add(rows);

            Assert.Equal((3, 3L), (sample.Count, sample.Seen));
            Assert.Equal(["short one", "long0 long1 long2 long3", "short two"], Enumerable.Range(0, 3).Select(m => string.Join(' ', sample.Batch().TokenTexts[m])));
        }
    }

    [Fact]
    public void A_burst_of_one_templated_message_takes_a_few_places_and_leaves_the_rest_to_the_stream()
    {
        var embedder = new HashingTestEmbedder(dimension: 64);
        const string Template = "kubernetes node not ready on cluster alpha pods evicted kubelet stopped posting status since";
        var sample = new BackgroundSample(capacity: 50, refreshMessages: 1000);

        sample.Add(embedder.Embed(Enumerable.Range(0, 100).Select(i => $"{Template} host{i}").ToArray()));
        Assert.Equal((BackgroundSample.MaxNearDuplicates, 100L), (sample.Count, sample.Seen));

        sample.Add(embedder.Embed(Enumerable.Range(0, 100).Select(m => $"topic{m} story{m} item{m}").ToArray()));
        var batch = sample.Batch();
        Assert.Equal(50, batch.Count);
        Assert.InRange(Enumerable.Range(0, batch.Count).Count(m => batch.TokenTexts[m][0] == "kubernetes"), 0, BackgroundSample.MaxNearDuplicates);
    }

    [Fact]
    public void Later_messages_replace_earlier_ones_once_full()
    {
        var sample = new BackgroundSample(capacity: 20, refreshMessages: 100);
        sample.Add(_embedder.Embed(Enumerable.Range(0, 20).Select(m => $"early{m}").ToArray()));
        sample.Add(_embedder.Embed(Enumerable.Range(0, 400).Select(m => $"late{m}").ToArray()));
        var batch = sample.Batch();
        // Uniform over 420 messages: about 19 of 20 slots hold late ones; every early one surviving is ~0.
        Assert.True(Enumerable.Range(0, batch.Count).Count(m => batch.TokenTexts[m][0].StartsWith("late", StringComparison.Ordinal)) >= 15);
    }
}
