using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// Interests' contextual vectors, embedded on first need and kept by text (a text's vectors do not depend on its
/// interest), at most <paramref name="capacity"/> texts, oldest dropped first. Memory: d = 384 floats per word piece
/// and one pooled vector, ~1.5 KB each, so ~15 KB for an interest of ten word pieces. Thread-safe.
/// </summary>
public sealed class ContextualInterestRows(ITextEmbedder embedder, int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EmbeddedText> _rows = new(StringComparer.Ordinal);
    private readonly Queue<string> _added = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>The rows of <paramref name="texts"/>, in order; those not kept are embedded in one call.</summary>
    public EmbeddedText[] Get(IReadOnlyList<string> texts)
    {
        lock (_lock)
        {
            var found = new EmbeddedText[texts.Count];
            var missing = new List<int>();
            for (var i = 0; i < texts.Count; i++)
            {
                if (_rows.TryGetValue(texts[i], out var row))
                {
                    found[i] = row;
                }
                else
                {
                    missing.Add(i);
                }
            }
            if (missing.Count > 0)
            {
                var distinct = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToArray();
                var embedded = embedder.Embed(distinct);
                var byText = new Dictionary<string, EmbeddedText>(StringComparer.Ordinal);
                for (var d = 0; d < distinct.Length; d++)
                {
                    byText[distinct[d]] = embedded.Row(d);
                    _rows[distinct[d]] = byText[distinct[d]];
                    _added.Enqueue(distinct[d]);
                }
                foreach (var i in missing)
                {
                    found[i] = byText[texts[i]];
                }
                while (_rows.Count > capacity)
                {
                    _rows.Remove(_added.Dequeue());
                }
            }
            return found;
        }
    }
}
