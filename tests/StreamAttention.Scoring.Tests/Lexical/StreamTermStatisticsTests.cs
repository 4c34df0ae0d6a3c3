using StreamAttention.Scoring.Lexical;

namespace StreamAttention.Scoring.Tests.Lexical;

public sealed class StreamTermStatisticsTests
{
    [Fact]
    public void A_word_in_fewer_messages_weighs_more()
    {
        var statistics = new StreamTermStatistics(halfLife: 1_000);
        for (var m = 0; m < 20; m++)
        {
            statistics.Observe(m % 10 == 0 ? ["disk", "full", "db", "7"] : ["disk", "latency", "high"]);
        }

        Assert.Equal(20, statistics.Documents, 0.5);
        Assert.Equal(2, statistics.DocumentFrequency("full"), 0.1);
        Assert.True(statistics.InverseDocumentFrequency("full") > statistics.InverseDocumentFrequency("disk"));
        Assert.True(statistics.InverseDocumentFrequency("never-seen") > statistics.InverseDocumentFrequency("full"));
    }

    [Fact]
    public void A_message_counts_once_however_often_it_repeats_a_word()
    {
        var statistics = new StreamTermStatistics(halfLife: 1_000);
        statistics.Observe(["error", "error", "error"]);

        Assert.Equal(1, statistics.DocumentFrequency("error"), 0.01);
        Assert.Equal(3, statistics.AverageLength, 0.01);
    }

    [Fact]
    public void Old_messages_fade_by_half_per_half_life_across_rescaling()
    {
        var statistics = new StreamTermStatistics(halfLife: 10);
        statistics.Observe(["outage"]);
        for (var m = 0; m < 10; m++)
        {
            statistics.Observe(["weather"]);
        }
        Assert.Equal(0.5, statistics.DocumentFrequency("outage"), 0.01);

        // Far more messages than the increment can grow over without rescaling (2^(1000/10) > 1e20).
        for (var m = 0; m < 1_000; m++)
        {
            statistics.Observe(["weather"]);
        }
        Assert.Equal(0, statistics.DocumentFrequency("outage"), 1e-6);
        Assert.Equal(1 / (1 - Math.Pow(2, -1 / 10.0)), statistics.Documents, 0.01);
        Assert.Equal(statistics.Documents, statistics.DocumentFrequency("weather"), 0.01);
    }
}
