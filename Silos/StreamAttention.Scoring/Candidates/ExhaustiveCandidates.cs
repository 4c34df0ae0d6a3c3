using System.Runtime.CompilerServices;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// The prefilter of the chunk's pooled vectors against every interest, kept where p reaches the floor: exact,
/// O(interests). <see cref="Bound"/> runs the GEMM and keeps the interests some message reaches (<see cref="LiveInterests"/>);
/// <see cref="Generate"/> reads the same cosines again at the tightened floor. Chunks of at most
/// <paramref name="quantizedMaxMessages"/> messages go through the int8 screen instead (<see cref="QuantizedScreen"/>,
/// its int8 copy made once per <see cref="DistinctInterests"/>): the same candidates, exact cosines.
/// </summary>
public sealed class ExhaustiveCandidates(PrefilterStage prefilter, int quantizedMaxMessages) : ICandidateGenerator
{
    private readonly ReusableBuffer<int> _passed = new();
    private readonly LiveInterests _live = new();
    private readonly ConditionalWeakTable<DistinctInterests, QuantizedQueries> _quantized = new();
    private readonly QuantizedScreen _screen = new();
    private ReadOnlyMemory<float> _similarity;
    private bool _screened;
    private int _count;
    private int _interestCount;

    public IReadOnlyList<int> Bound(TokenBatch messages, int start, int count, DistinctInterests interests, float[] floor)
    {
        var pooled = messages.Pooled.AsMemory(start * messages.Dimension, count * messages.Dimension);
        _screened = count <= quantizedMaxMessages;
        if (_screened)
        {
            var quantized = _quantized.GetValue(interests, d => QuantizedQueries.Of(d.Queries.Span, d.Count, d.Dimension));
            return _screen.Run(pooled, count, quantized, interests.Queries, floor);
        }
        _similarity = prefilter.Run(pooled, count, interests.Queries, interests.Count, interests.Dimension);
        (_count, _interestCount) = (count, interests.Count);
        return _live.Of(_similarity.Span, count, floor);
    }

    public void Generate(float[] floor, CandidateLists output)
    {
        if (_screened)
        {
            _screen.Candidates(floor, output);
            return;
        }
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
