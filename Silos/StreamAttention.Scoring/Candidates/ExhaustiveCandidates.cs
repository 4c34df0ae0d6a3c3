using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// The prefilter GEMM of the chunk's pooled vectors against every interest, kept where p reaches the floor: exact,
/// O(interests). In two steps for a caller that tightens the floors from the cosines (<see cref="Prefilter"/>, <see cref="Keep"/>).
/// </summary>
public sealed class ExhaustiveCandidates(PrefilterStage prefilter) : ICandidateGenerator
{
    private readonly ReusableBuffer<int> _passed = new();

    public void Select(TokenBatch messages, int start, int count, InterestIndex interests, float[] floor, CandidateLists output)
        => Keep(Prefilter(messages, start, count, interests).Span, count, interests.Count, floor, output);

    /// <summary>[count, interests] cosines of the chunk's messages; valid until the next call.</summary>
    public ReadOnlyMemory<float> Prefilter(TokenBatch messages, int start, int count, InterestIndex interests)
        => prefilter.Run(messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension), count,
            interests.Queries, interests.Count, interests.Dimension);

    /// <summary>Adds each message's interests whose cosine in <paramref name="similarity"/> reaches <paramref name="floor"/>.</summary>
    public void Keep(ReadOnlySpan<float> similarity, int count, int interestCount, float[] floor, CandidateLists output)
    {
        for (var m = 0; m < count; m++)
        {
            var row = similarity.Slice(m * interestCount, interestCount);
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
