namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Interest texts' expansions (<see cref="TextExpansion"/>), kept by text, at most <paramref name="capacity"/> (the
/// oldest dropped first), so a text written again by another user or in another import does not run MiniLM and the
/// nearest-word search again; a user's own texts, unchanged or not written, come with their stored expansions
/// (<see cref="ExpansionStorage"/>). ~0.45 KB per text at 128 dimensions. Thread-safe; the expansions themselves are
/// computed outside its lock.
/// </summary>
public sealed class ExpansionCache(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, TextExpansion> _expansions = new(StringComparer.Ordinal);
    private readonly Queue<string> _added = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _expansions.Count;
            }
        }
    }

    /// <summary>
    /// Fills the entries of <paramref name="expansions"/> still null with the kept expansions of their
    /// <paramref name="texts"/>; returns the indexes of those still null.
    /// </summary>
    public List<int> Fill(IReadOnlyList<string> texts, TextExpansion?[] expansions)
    {
        var missing = new List<int>();
        lock (_lock)
        {
            for (var i = 0; i < texts.Count; i++)
            {
                if (expansions[i] is not null)
                {
                    continue;
                }
                if (_expansions.TryGetValue(texts[i], out var expansion))
                {
                    expansions[i] = expansion;
                }
                else
                {
                    missing.Add(i);
                }
            }
        }
        return missing;
    }

    public void Add(string text, TextExpansion expansion)
    {
        if (capacity == 0)
        {
            return;
        }
        lock (_lock)
        {
            if (!_expansions.TryAdd(text, expansion))
            {
                return;
            }
            _added.Enqueue(text);
            while (_expansions.Count > capacity)
            {
                _expansions.Remove(_added.Dequeue());
            }
        }
    }
}
