namespace StreamAttention.Scoring.Lexical;

/// <summary>
/// Document frequencies of words over recent stream messages, in bounded memory: a fixed table of counters indexed by
/// a hash of the word (a collision only makes a word look more common), decaying so that a message
/// <paramref name="halfLife"/> messages old counts half. Decay is lazy: each new message adds a growing increment
/// instead of every counter shrinking, and the table is rescaled once the increment gets large. Not thread-safe.
/// </summary>
public sealed class StreamTermStatistics(int halfLife)
{
    private const int Slots = 1 << 20;
    private const double RescaleAt = 1e20;
    private readonly float[] _documentCounts = new float[Slots];
    private readonly double _growth = Math.Pow(2, 1.0 / halfLife);
    private double _increment = 1;
    private double _documents;
    private double _words;

    /// <summary>Messages seen, decayed.</summary>
    public double Documents => _documents / _increment;

    /// <summary>Mean words per message, decayed (1 before any message).</summary>
    public double AverageLength => _documents > 0 ? Math.Max(_words / _documents, 1) : 1;

    /// <summary>Counts a message's distinct words once each.</summary>
    public void Observe(string[] words)
    {
        _increment *= _growth;
        if (_increment > RescaleAt)
        {
            Rescale();
        }
        var increment = (float)_increment;
        foreach (var word in words.Distinct(StringComparer.Ordinal))
        {
            _documentCounts[Slot(word)] += increment;
        }
        _documents += _increment;
        _words += _increment * words.Length;
    }

    /// <summary>Decayed number of messages that held <paramref name="word"/>.</summary>
    public double DocumentFrequency(string word) => _documentCounts[Slot(word)] / _increment;

    /// <summary>BM25's inverse document frequency, ln(1 + (N − df + ½)/(df + ½)), never negative.</summary>
    public double InverseDocumentFrequency(string word)
    {
        var documents = Documents;
        var frequency = Math.Min(DocumentFrequency(word), documents);
        return Math.Log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
    }

    private void Rescale()
    {
        var factor = 1 / _increment;
        for (var i = 0; i < _documentCounts.Length; i++)
        {
            _documentCounts[i] = (float)(_documentCounts[i] * factor);
        }
        _documents *= factor;
        _words *= factor;
        _increment = 1;
    }

    /// <summary>FNV-1a over the characters: the same slot in every process, so results repeat from run to run.</summary>
    private static int Slot(string word)
    {
        var hash = 2166136261u;
        foreach (var c in word)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash & (Slots - 1));
    }
}
