using StreamAttention.Scoring.Cascade;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class CascadePairsTests
{
    private const float Margin = 0.1f;
    private const float PairMargin = 0.3f;
    private static readonly float[] Thresholds = [0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.6f];

    private static RowMatch Pair(int message, int interest, float score) => new(message, interest, score, score, []);

    /// <summary>
    /// Message 0 is run (interest 0 within the margin); its pairs within the pair margin, by distance to their thresholds:
    /// 0 (0.02), 5 (0.05, above its own threshold 0.6), 1 (0.15), 2 and 3 (0.25 each); interest 4 is beyond the pair margin.
    /// Message 1 has no pair within the margin: it is not run. Message 2 has none at all.
    /// </summary>
    private static readonly RowMatch[] Pairs =
    [
        Pair(0, 2, 0.75f), Pair(0, 0, 0.48f), Pair(0, 5, 0.65f), Pair(0, 3, 0.25f), Pair(0, 1, 0.35f), Pair(0, 4, 0.15f),
        Pair(1, 0, 0.3f), Pair(1, 1, 0.25f),
    ];

    [Fact]
    public void Without_a_cap_a_run_message_rescores_every_pair_within_the_pair_margin()
    {
        var chosen = CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: 0, out var overCap);

        Assert.Equal([0, 1, 2, 3, 5], chosen[0].Order());
        Assert.Empty(chosen[1]);
        Assert.Empty(chosen[2]);
        Assert.Equal(0, overCap);
    }

    [Fact]
    public void The_cap_keeps_the_pairs_nearest_their_thresholds_on_either_side()
    {
        var chosen = CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: 3, out var overCap);

        Assert.Equal([0, 1, 5], chosen[0].Order());
        // Two of message 0's five pairs within the pair margin; message 1 is not run, so none of its pairs count.
        Assert.Equal(2, overCap);
    }

    [Fact]
    public void Equally_near_pairs_at_the_cap_go_to_the_lower_interest_row()
    {
        var chosen = CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: 4, out var overCap);

        Assert.Equal([0, 1, 2, 5], chosen[0].Order());
        Assert.Equal(1, overCap);
    }

    [Fact]
    public void A_cap_above_a_message_s_pairs_changes_nothing()
    {
        var uncapped = CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: 0, out _);

        var capped = CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: 5, out var overCap);

        Assert.Equal(uncapped.Select(c => c.Order().ToArray()), capped.Select(c => c.Order().ToArray()));
        Assert.Equal(0, overCap);
        Assert.Throws<ArgumentOutOfRangeException>(() => CascadePairs.Choose(Pairs, Thresholds, 3, Margin, PairMargin, maxPairs: -1, out _));
    }
}
