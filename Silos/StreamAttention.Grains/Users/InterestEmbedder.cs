using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Users;

/// <summary>
/// Embeds interest texts into the rows shards hold, keeping only the tokens scoring uses as queries, so shards hold
/// no more than they need. User grains and bulk imports embed through it alike.
/// </summary>
public sealed class InterestEmbedder(ITextEmbedder embedder, IOptions<ScoringOptions> scoring)
{
    public string Name => embedder.Name;

    public int Dimension => embedder.Dimension;

    /// <summary>
    /// A message's pooled vector, embedded as messages are (not as an interest: no expansion), for feedback, which
    /// compares messages with messages.
    /// </summary>
    public float[] MessagePooled(string text) => embedder.Embed([text]).PooledVector(0).ToArray();

    public EmbeddedText[] Embed(IReadOnlyList<string> texts) => Embed(texts, new StoredExpansion?[texts.Count]);

    /// <summary>
    /// The texts' rows, where a text's expansion in <paramref name="stored"/> is the embedder's read rather than
    /// computed; on return <paramref name="stored"/> holds each text's expansion to store with it
    /// (<see cref="ITextEmbedder.EmbedQueries(IReadOnlyList{string}, StoredExpansion?[])"/>).
    /// </summary>
    public EmbeddedText[] Embed(IReadOnlyList<string> texts, StoredExpansion?[] stored)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        var embedded = embedder.EmbedQueries(texts, stored);
        var rows = new EmbeddedText[texts.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = embedded.Row(i, scoring.Value.MaxQueriesPerInterest);
        }
        return rows;
    }
}
