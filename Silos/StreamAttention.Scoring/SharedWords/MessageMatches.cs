namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The pairs of one message that reached their thresholds, as plain values, put in <see cref="RowMatchOrder"/> by one
/// sort of 64-bit keys (reported score descending, then interest) instead of comparing match objects. The reported
/// score is the calibrated one where the engine calibrates, else the raw one. Reused across messages.
/// </summary>
internal sealed class MessageMatches
{
    private ulong[] _keys = [];
    private int[] _positions = [];
    private float[] _scores = [];
    private float[] _rawScores = [];
    private float[] _prefilter = [];
    private ulong[] _distances = [];

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Add(int interest, float score, float rawScore, float prefilter)
    {
        if (Count == _keys.Length)
        {
            var length = Math.Max(64, Count * 2);
            Array.Resize(ref _keys, length);
            Array.Resize(ref _positions, length);
            Array.Resize(ref _scores, length);
            Array.Resize(ref _rawScores, length);
            Array.Resize(ref _prefilter, length);
        }
        _keys[Count] = OrderKey(score, interest);
        _positions[Count] = Count;
        _scores[Count] = score;
        _rawScores[Count] = rawScore;
        _prefilter[Count] = prefilter;
        Count++;
    }

    public void Sort() => _keys.AsSpan(0, Count).Sort(_positions.AsSpan(0, Count));

    /// <summary>
    /// Before <see cref="Sort"/>: keeps the pairs at or above their <paramref name="thresholds"/> and, of those below,
    /// the at most <paramref name="nearest"/> nearest within <paramref name="band"/> (ties: the lower interest); returns
    /// how many within the band it dropped (<see cref="NearestBelowThresholds"/>).
    /// </summary>
    public int KeepNearestBelow(float[] thresholds, float band, int nearest)
    {
        var within = 0;
        if (_distances.Length < Count)
        {
            _distances = new ulong[_keys.Length];
        }
        for (var e = 0; e < Count; e++)
        {
            var interest = (int)(uint)_keys[e];
            if (InBand(_scores[e], thresholds[interest], band))
            {
                _distances[within++] = DistanceKey(thresholds[interest] - _scores[e], interest);
            }
        }
        var farthestKept = ulong.MaxValue;
        if (within > nearest)
        {
            _distances.AsSpan(0, within).Sort();
            farthestKept = _distances[nearest - 1];
        }
        var kept = 0;
        for (var e = 0; e < Count; e++)
        {
            var interest = (int)(uint)_keys[e];
            var threshold = thresholds[interest];
            var score = _scores[e];
            if (score >= threshold || (InBand(score, threshold, band) && DistanceKey(threshold - score, interest) <= farthestKept))
            {
                (_keys[kept], _scores[kept], _rawScores[kept], _prefilter[kept], _positions[kept]) = (_keys[e], score, _rawScores[e], _prefilter[e], kept);
                kept++;
            }
        }
        Count = kept;
        return Math.Max(0, within - nearest);
    }

    private static bool InBand(float score, float threshold, float band) => score < threshold && score >= threshold - band;

    /// <summary>Ascending by a non-negative distance, then by interest: a non-negative float's bits order as the float.</summary>
    private static ulong DistanceKey(float distance, int interest) => ((ulong)BitConverter.SingleToUInt32Bits(distance + 0f) << 32) | (uint)interest;

    /// <summary>The <paramref name="rank"/>-th pair after <see cref="Sort"/>.</summary>
    public (int Interest, float Score, float RawScore, float Prefilter) this[int rank]
        => ((int)(uint)_keys[rank], _scores[_positions[rank]], _rawScores[_positions[rank]], _prefilter[_positions[rank]]);

    /// <summary>
    /// Ascending keys for descending scores, ties by ascending interest. The float's bits map to an unsigned order
    /// (negatives flipped); + 0 turns −0 into +0, which compare equal as floats.
    /// </summary>
    private static ulong OrderKey(float score, int interest)
    {
        var bits = BitConverter.SingleToUInt32Bits(score + 0f);
        var ascending = (bits & 0x8000_0000) != 0 ? ~bits : bits | 0x8000_0000;
        return ((ulong)~ascending << 32) | (uint)interest;
    }
}
