using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Candidates;

/// <summary>The prefilter GEMM of the chunk's pooled vectors against every interest, kept where p reaches the floor: exact, O(interests).</summary>
public sealed class ExhaustiveCandidates(PrefilterStage prefilter) : ICandidateGenerator
{
    private readonly ReusableBuffer<int> _passed = new();

    public void Select(TokenBatch messages, int start, int count, InterestIndex interests, float[] floor, CandidateLists output)
    {
        var similarity = prefilter.Run(messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension), count,
            interests.Queries, interests.Count, interests.Dimension).Span;
        for (var m = 0; m < count; m++)
        {
            var row = similarity.Slice(m * interests.Count, interests.Count);
            // Branch-free: with floors tightened by attention bounds, which interests pass is unpredictable.
            var passed = _passed.Rent(row.Length).Span;
            var kept = 0;
            for (var i = 0; i < row.Length; i++)
            {
                passed[kept] = i;
                kept += row[i] >= floor[i] ? 1 : 0;
            }
            output.Add(m, passed[..kept], row);
        }
    }

    public void Dispose() => prefilter.Dispose();
}
