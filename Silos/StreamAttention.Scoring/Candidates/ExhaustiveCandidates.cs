using StreamAttention.Embeddings;
using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// The prefilter GEMM of the chunk's pooled vectors against every interest, kept where p reaches the floor: exact,
/// O(interests). <see cref="Bound"/> runs the GEMM and keeps the interests some message reaches (<see cref="LiveInterests"/>);
/// <see cref="Generate"/> reads the same cosines again at the tightened floor.
/// </summary>
public sealed class ExhaustiveCandidates(PrefilterStage prefilter) : ICandidateGenerator
{
    private readonly ReusableBuffer<int> _passed = new();
    private readonly LiveInterests _live = new();
    private ReadOnlyMemory<float> _similarity;
    private int _count;
    private int _interestCount;

    public IReadOnlyList<int> Bound(TokenBatch messages, int start, int count, DistinctInterests interests, float[] floor)
    {
        _similarity = prefilter.Run(messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension), count,
            interests.Queries, interests.Count, interests.Dimension);
        (_count, _interestCount) = (count, interests.Count);
        return _live.Of(_similarity.Span, count, floor);
    }

    public void Generate(float[] floor, CandidateLists output)
    {
        var similarity = _similarity.Span;
        for (var m = 0; m < _count; m++)
        {
            var row = similarity.Slice(m * _interestCount, _interestCount);
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
