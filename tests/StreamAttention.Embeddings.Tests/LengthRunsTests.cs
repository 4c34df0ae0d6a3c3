using StreamAttention.Embeddings.Transformer;

namespace StreamAttention.Embeddings.Tests;

public sealed class LengthRunsTests
{
    [Fact]
    public void Equal_lengths_take_the_fewest_runs_of_at_most_the_most_rows()
    {
        var runs = LengthRuns.Split(Enumerable.Repeat(20, 70).ToArray(), maxRows: 32, runOverhead: 16);

        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.InRange(r.GetOffsetAndLength(70).Length, 1, 32));
        Assert.Equal(70, runs.Sum(r => r.GetOffsetAndLength(70).Length));
    }

    [Fact]
    public void A_long_sequence_runs_apart_from_short_ones_when_padding_them_costs_more_than_a_run()
    {
        int[] lengths = [10, 10, 11, 12, 12, 100];

        Assert.Equal([0..5, 5..6], LengthRuns.Split(lengths, maxRows: 32, runOverhead: 16));
        // When a run costs more than the padding it saves, everything shares one.
        Assert.Equal([0..6], LengthRuns.Split(lengths, maxRows: 32, runOverhead: 1_000));
    }

    [Fact]
    public void The_split_is_the_cheapest_of_every_contiguous_split()
    {
        int[] lengths = [3, 5, 6, 9, 14, 15, 30, 31, 64];
        const int maxRows = 4, overhead = 8;

        var cost = Cost(LengthRuns.Split(lengths, maxRows, overhead));

        // Every way of cutting the 8 gaps between neighbours, within the row limit.
        var cheapest = Enumerable.Range(0, 1 << (lengths.Length - 1))
            .Select(Cuts)
            .Where(runs => runs.All(r => r.End.Value - r.Start.Value <= maxRows))
            .Min(Cost);
        Assert.Equal(cheapest, cost);

        long Cost(IEnumerable<Range> runs) => runs.Sum(r => (long)(r.End.Value - r.Start.Value) * lengths[r.End.Value - 1] + overhead);
        List<Range> Cuts(int mask)
        {
            var runs = new List<Range>();
            var start = 0;
            for (var gap = 1; gap < lengths.Length; gap++)
            {
                if ((mask & (1 << (gap - 1))) != 0)
                {
                    runs.Add(start..gap);
                    start = gap;
                }
            }
            runs.Add(start..lengths.Length);
            return runs;
        }
    }

    [Fact]
    public void No_sequences_give_no_runs_and_unsorted_lengths_are_refused()
    {
        Assert.Empty(LengthRuns.Split([], maxRows: 8, runOverhead: 16));
        Assert.Throws<ArgumentException>(() => LengthRuns.Split([5, 3], maxRows: 8, runOverhead: 16));
    }
}
