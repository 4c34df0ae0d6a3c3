namespace StreamAttention.Scoring.Candidates;

/// <summary>Per message of a chunk, its candidate interests and their prefilter cosines; reused across chunks.</summary>
public sealed class CandidateLists
{
    private readonly List<List<int>> _interests = [];
    private readonly List<List<float>> _prefilter = [];

    public int Start { get; private set; }

    public int Count { get; private set; }

    /// <summary>Empties the lists for messages [start, start + count) of the batch.</summary>
    public void Reset(int start, int count)
    {
        (Start, Count) = (start, count);
        while (_interests.Count < count)
        {
            _interests.Add([]);
            _prefilter.Add([]);
        }
        for (var m = 0; m < count; m++)
        {
            _interests[m].Clear();
            _prefilter[m].Clear();
        }
    }

    public void Add(int chunkMessage, int interest, float prefilter)
    {
        _interests[chunkMessage].Add(interest);
        _prefilter[chunkMessage].Add(prefilter);
    }

    /// <summary>Adds <paramref name="interests"/> with their prefilter cosines from <paramref name="prefilterRow"/> (indexed by interest).</summary>
    public void Add(int chunkMessage, ReadOnlySpan<int> interests, ReadOnlySpan<float> prefilterRow)
    {
        var (interestList, prefilterList) = (_interests[chunkMessage], _prefilter[chunkMessage]);
        interestList.AddRange(interests);
        prefilterList.EnsureCapacity(prefilterList.Count + interests.Length);
        foreach (var i in interests)
        {
            prefilterList.Add(prefilterRow[i]);
        }
    }

    public List<int> Interests(int chunkMessage) => _interests[chunkMessage];

    public List<float> Prefilter(int chunkMessage) => _prefilter[chunkMessage];

    public long Total => Enumerable.Range(0, Count).Sum(m => (long)_interests[m].Count);

    /// <summary>Keeps each message's <paramref name="k"/> best prefilter scores (ties: lower interest index).</summary>
    public void KeepTop(int k)
    {
        for (var m = 0; m < Count; m++)
        {
            var interests = _interests[m];
            var scores = _prefilter[m];
            if (interests.Count <= k)
            {
                continue;
            }
            var order = Enumerable.Range(0, interests.Count).OrderByDescending(c => scores[c]).ThenBy(c => interests[c]).Take(k).ToArray();
            var keptInterests = order.Select(c => interests[c]).ToArray();
            var keptScores = order.Select(c => scores[c]).ToArray();
            interests.Clear();
            interests.AddRange(keptInterests);
            scores.Clear();
            scores.AddRange(keptScores);
        }
    }
}
