namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// Per message of a chunk, its candidate interests and their prefilter cosines; reused across chunks. The chunk's
/// pairs share one pair of arrays, each message's a contiguous range of them: with a list per message position, each
/// of the chunk's 256 positions grew through its own doublings to the largest message it was ever given, so a scorer
/// kept allocating until every position had held its heaviest message (and then kept that list 256 times). Pairs are
/// added after <see cref="Reset"/> and read after the chunk's last <see cref="Add(int, int, float)"/>: an add after a
/// read (or <see cref="KeepTop"/>) throws until the next <see cref="Reset"/>.
/// </summary>
public sealed class CandidateLists
{
    private int[] _interests = [];
    private float[] _prefilter = [];
    // Per chunk message: its pairs' first position and number.
    private int[] _first = [];
    private int[] _length = [];
    private int[] _next = [];
    // Only once pairs come out of message order (the clustered generator adds cluster by cluster): each pair's message,
    // for the stable counting sort that makes the messages' ranges, into the spare arrays.
    private int[] _messageOf = [];
    private int[] _spareInterests = [];
    private float[] _spare = [];
    private int _pairs;
    private int _lastMessage;
    private bool _inOrder;
    private bool _grouped;

    public int Start { get; private set; }

    public int Count { get; private set; }

    /// <summary>Empties the lists for messages [start, start + count) of the batch.</summary>
    public void Reset(int start, int count)
    {
        (Start, Count) = (start, count);
        if (_length.Length < count)
        {
            (_first, _length, _next) = (new int[count], new int[count], new int[count]);
        }
        Array.Clear(_length, 0, count);
        (_pairs, _lastMessage, _inOrder, _grouped) = (0, 0, true, false);
    }

    public void Add(int chunkMessage, int interest, float prefilter)
    {
        var at = Append(chunkMessage, 1);
        _interests[at] = interest;
        _prefilter[at] = prefilter;
    }

    /// <summary>Adds <paramref name="interests"/> with their prefilter cosines from <paramref name="prefilterRow"/> (indexed by interest).</summary>
    public void Add(int chunkMessage, ReadOnlySpan<int> interests, ReadOnlySpan<float> prefilterRow)
    {
        var at = Append(chunkMessage, interests.Length);
        interests.CopyTo(_interests.AsSpan(at));
        var prefilter = _prefilter.AsSpan(at, interests.Length);
        for (var k = 0; k < interests.Length; k++)
        {
            prefilter[k] = prefilterRow[interests[k]];
        }
    }

    public ReadOnlySpan<int> Interests(int chunkMessage)
    {
        Group();
        return _interests.AsSpan(_first[chunkMessage], _length[chunkMessage]);
    }

    public ReadOnlySpan<float> Prefilter(int chunkMessage)
    {
        Group();
        return _prefilter.AsSpan(_first[chunkMessage], _length[chunkMessage]);
    }

    public long Total
    {
        get
        {
            var total = 0L;
            for (var m = 0; m < Count; m++)
            {
                total += _length[m];
            }
            return total;
        }
    }

    /// <summary>Keeps each message's <paramref name="k"/> best prefilter scores (ties: lower interest index).</summary>
    public void KeepTop(int k)
    {
        Group();
        for (var m = 0; m < Count; m++)
        {
            if (_length[m] <= k)
            {
                continue;
            }
            var interests = _interests.AsSpan(_first[m], _length[m]);
            var scores = _prefilter.AsSpan(_first[m], _length[m]);
            var (interestsOf, scoresOf) = (interests.ToArray(), scores.ToArray());
            var order = Enumerable.Range(0, interests.Length).OrderByDescending(c => scoresOf[c]).ThenBy(c => interestsOf[c]).Take(k).ToArray();
            for (var c = 0; c < order.Length; c++)
            {
                (interests[c], scores[c]) = (interestsOf[order[c]], scoresOf[order[c]]);
            }
            _length[m] = k;
        }
    }

    /// <summary>Room for <paramref name="count"/> pairs of <paramref name="chunkMessage"/>: their position.</summary>
    private int Append(int chunkMessage, int count)
    {
        if (_grouped)
        {
            // The read fixed each message's range (and KeepTop cut them): a pair added now would fall into another's.
            throw new InvalidOperationException("Candidate pairs are added before the chunk is read; Reset first.");
        }
        var at = _pairs;
        if (at + count > _interests.Length)
        {
            var capacity = Math.Max(at + count, _interests.Length * 2);
            Array.Resize(ref _interests, capacity);
            Array.Resize(ref _prefilter, capacity);
        }
        if (_inOrder && chunkMessage < _lastMessage)
        {
            // The pairs so far are in message order, so their messages follow from the lengths.
            _inOrder = false;
            EnsureMessages(at + count);
            for (int m = 0, p = 0; m < Count; p += _length[m], m++)
            {
                _messageOf.AsSpan(p, _length[m]).Fill(m);
            }
        }
        if (!_inOrder)
        {
            EnsureMessages(at + count);
            _messageOf.AsSpan(at, count).Fill(chunkMessage);
        }
        _lastMessage = chunkMessage;
        _length[chunkMessage] += count;
        _pairs += count;
        return at;
    }

    private void EnsureMessages(int pairs)
    {
        if (_messageOf.Length < pairs)
        {
            Array.Resize(ref _messageOf, Math.Max(pairs, _interests.Length));
        }
    }

    /// <summary>Each message's range: in place where the pairs came in message order, else by a stable counting sort.</summary>
    private void Group()
    {
        if (_grouped)
        {
            return;
        }
        for (int m = 0, first = 0; m < Count; first += _length[m], m++)
        {
            _first[m] = first;
        }
        if (!_inOrder)
        {
            if (_spareInterests.Length < _interests.Length)
            {
                (_spareInterests, _spare) = (new int[_interests.Length], new float[_interests.Length]);
            }
            Array.Copy(_first, _next, Count);
            for (var p = 0; p < _pairs; p++)
            {
                var to = _next[_messageOf[p]]++;
                (_spareInterests[to], _spare[to]) = (_interests[p], _prefilter[p]);
            }
            (_interests, _spareInterests) = (_spareInterests, _interests);
            (_prefilter, _spare) = (_spare, _prefilter);
        }
        _grouped = true;
    }
}
