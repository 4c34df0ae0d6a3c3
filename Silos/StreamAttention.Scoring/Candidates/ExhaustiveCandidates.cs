using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Candidates;

/// <summary>The prefilter GEMM of the chunk's pooled vectors against every interest, kept where p reaches the floor: exact, O(interests).</summary>
public sealed class ExhaustiveCandidates(PrefilterStage prefilter) : ICandidateGenerator
{
    public void Select(TokenBatch messages, int start, int count, InterestIndex interests, float[] floor, CandidateLists output)
    {
        var similarity = prefilter.Run(messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension), count,
            interests.Queries, interests.Count, interests.Dimension).Span;
        for (var m = 0; m < count; m++)
        {
            var row = similarity.Slice(m * interests.Count, interests.Count);
            for (var i = 0; i < row.Length; i++)
            {
                if (row[i] >= floor[i])
                {
                    output.Add(m, i, row[i]);
                }
            }
        }
    }

    public void Dispose() => prefilter.Dispose();
}
