using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Interests' contextual queries (<see cref="InterestQueries"/>), embedded on first need and kept ready by text (a text's
/// vectors do not depend on its interest), at most <paramref name="capacity"/> texts between calls (the oldest dropped
/// first; one call's new texts may exceed it until the next); behind them <paramref name="store"/> keeps more texts'
/// vectors compact, so a text dropped here is read back from it rather than embedded again. Their words
/// are interned once into a table of their own, so an index of any of them is assembled without hashing a vector
/// (<see cref="InterestIndex.FromQueries"/>). The table is append-only: once it holds twice the words of the texts
/// kept, the kept ones move to a new table and the old one is dropped. Memory: d = 384 floats per word piece and one
/// pooled vector, ~1.5 KB each, so ~15 KB for an interest of ten word pieces ready (half that in the store). Thread-safe.
/// </summary>
public sealed class ContextualInterestQueries(ITextEmbedder embedder, ScoringOptions options, int capacity, ContextualInterestStore store)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, InterestQueries> _queries = new(StringComparer.Ordinal);
    private readonly Queue<string> _added = new();
    private WordTable _words = new(embedder.Dimension);
    private long _wordsKept;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _queries.Count;
            }
        }
    }

    /// <summary>Texts whose vectors the store keeps now.</summary>
    public int Stored
    {
        get
        {
            lock (_lock)
            {
                return store.Count;
            }
        }
    }

    /// <summary>The queries of <paramref name="texts"/>, in order, and the table their words are in; texts kept in neither level are embedded in one call.</summary>
    public (WordTable Words, InterestQueries[] Queries) Get(IReadOnlyList<string> texts)
    {
        lock (_lock)
        {
            Trim();
            var found = new InterestQueries[texts.Count];
            var missing = new List<int>();
            for (var i = 0; i < texts.Count; i++)
            {
                if (_queries.TryGetValue(texts[i], out var queries))
                {
                    found[i] = queries;
                }
                else
                {
                    missing.Add(i);
                }
            }
            if (missing.Count == 0)
            {
                return (_words, found);
            }
            var distinct = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToArray();
            var rows = Array.ConvertAll(distinct, store.Get);
            var unknown = Enumerable.Range(0, distinct.Length).Where(d => rows[d] is null).ToArray();
            if (unknown.Length > 0)
            {
                var embedded = embedder.EmbedQueries(Array.ConvertAll(unknown, d => distinct[d]));
                for (var u = 0; u < unknown.Length; u++)
                {
                    rows[unknown[u]] = store.Add(distinct[unknown[u]], embedded.Row(u));
                }
            }
            for (var d = 0; d < distinct.Length; d++)
            {
                var queries = InterestQueries.Of(rows[d]!, _words, options);
                _queries[distinct[d]] = queries;
                _added.Enqueue(distinct[d]);
                _wordsKept += queries.WordIds.Length;
            }
            foreach (var i in missing)
            {
                found[i] = _queries[texts[i]];
            }
            return (_words, found);
        }
    }

    /// <summary>
    /// Drops the oldest texts beyond the capacity, then moves the kept texts' words to a new table if the dropped ones'
    /// are the greater part (the table has at least doubled since it was built, so each word is moved once on average).
    /// Done before a call's lookups rather than after its additions, so that every query one
    /// call returns is in the one table it returns.
    /// </summary>
    private void Trim()
    {
        while (_queries.Count > capacity)
        {
            _queries.Remove(_added.Dequeue(), out var dropped);
            _wordsKept -= dropped!.WordIds.Length;
        }
        if (_words.Count <= 2 * _wordsKept)
        {
            return;
        }
        var words = new WordTable(_words.Dimension);
        foreach (var text in _added)
        {
            _queries[text] = _queries[text].MovedTo(words, _words);
        }
        _words = words;
    }
}
