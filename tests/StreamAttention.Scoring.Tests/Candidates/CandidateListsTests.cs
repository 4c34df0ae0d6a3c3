using StreamAttention.Scoring.Candidates;

namespace StreamAttention.Scoring.Tests.Candidates;

public sealed class CandidateListsTests
{
    private const int ChunkMessages = 256;

    [Fact]
    public void A_chunk_no_larger_than_one_before_allocates_nothing_wherever_its_heavy_message_sits()
    {
        var candidates = new CandidateLists();
        var prefilterRow = Enumerable.Range(0, 20_000).Select(i => i / 20_000f).ToArray();
        var heavy = Enumerable.Range(0, 10_000).ToArray();
        var light = Enumerable.Range(0, 40).ToArray();
        // A chunk of messages with 40 candidates each and one with 10,000, as a message that is near every interest.
        void Fill(int heavyAt)
        {
            candidates.Reset(0, ChunkMessages);
            for (var m = 0; m < ChunkMessages; m++)
            {
                candidates.Add(m, m == heavyAt ? heavy : light, prefilterRow);
            }
        }

        Fill(heavyAt: 0);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        // The heavy message at every other position: a list per position grew at each one, to the heavy message's size.
        for (var heavyAt = 1; heavyAt < ChunkMessages; heavyAt++)
        {
            Fill(heavyAt);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - allocated);
        Assert.Equal(heavy, candidates.Interests(ChunkMessages - 1).ToArray());
        Assert.Equal(heavy.Select(i => prefilterRow[i]), candidates.Prefilter(ChunkMessages - 1).ToArray());
        Assert.Equal(light, candidates.Interests(0).ToArray());
        Assert.Equal((ChunkMessages - 1) * light.Length + heavy.Length, candidates.Total);
    }

    [Fact]
    public void Pairs_added_out_of_message_order_are_read_per_message_in_the_order_they_were_added()
    {
        // As the clustered generator adds them: cluster by cluster, each cluster's probing messages in turn.
        var candidates = new CandidateLists();
        candidates.Reset(start: 8, count: 3);
        candidates.Add(2, 5, 0.5f);
        candidates.Add(0, 7, 0.7f);
        candidates.Add(2, 1, 0.1f);
        candidates.Add(0, [3, 4], [0f, 0f, 0f, 0.3f, 0.4f]);
        candidates.Add(2, 9, 0.9f);

        Assert.Equal([7, 3, 4], candidates.Interests(0).ToArray());
        Assert.Equal([0.7f, 0.3f, 0.4f], candidates.Prefilter(0).ToArray());
        Assert.Empty(candidates.Interests(1).ToArray());
        Assert.Equal([5, 1, 9], candidates.Interests(2).ToArray());
        Assert.Equal([0.5f, 0.1f, 0.9f], candidates.Prefilter(2).ToArray());
        Assert.Equal((8, 3, 6L), (candidates.Start, candidates.Count, candidates.Total));
    }

    [Fact]
    public void KeepTop_keeps_each_messages_best_prefilter_scores_lower_interest_first_on_ties()
    {
        var candidates = new CandidateLists();
        candidates.Reset(start: 0, count: 2);
        candidates.Add(1, 4, 0.2f);
        candidates.Add(0, 3, 0.5f);
        candidates.Add(0, 1, 0.9f);
        candidates.Add(1, 2, 0.8f);
        candidates.Add(0, 2, 0.5f);

        candidates.KeepTop(2);

        Assert.Equal([1, 2], candidates.Interests(0).ToArray());
        Assert.Equal([0.9f, 0.5f], candidates.Prefilter(0).ToArray());
        Assert.Equal([4, 2], candidates.Interests(1).ToArray());
        Assert.Equal(4L, candidates.Total);
    }

    [Fact]
    public void A_pair_added_after_a_read_is_refused_until_the_next_Reset()
    {
        // A read fixes each message's range; a pair added after it would silently fall into the next message's range.
        var candidates = new CandidateLists();
        candidates.Reset(start: 0, count: 2);
        candidates.Add(0, 1, 0.1f);
        candidates.Add(1, 2, 0.2f);
        Assert.Equal([1], candidates.Interests(0).ToArray());

        Assert.Throws<InvalidOperationException>(() => candidates.Add(0, 3, 0.3f));
        Assert.Throws<InvalidOperationException>(() => candidates.Add(1, [3], [0f, 0f, 0f, 0.3f]));
        Assert.Equal([1], candidates.Interests(0).ToArray());
        Assert.Equal([2], candidates.Interests(1).ToArray());
        candidates.Reset(start: 0, count: 2);
        candidates.Add(0, 3, 0.3f);
        Assert.Equal([3], candidates.Interests(0).ToArray());
    }
}
