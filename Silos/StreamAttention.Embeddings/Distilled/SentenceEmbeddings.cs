namespace StreamAttention.Embeddings.Distilled;

/// <summary>Texts' pooled sentence embeddings, computed a slice at a time.</summary>
public static class SentenceEmbeddings
{
    /// <summary>
    /// Texts per call: a transformer's batch holds every word piece's vector of its texts (padded to the longest), which
    /// for a 4,096-line import chunk would be hundreds of MB where only the pooled vectors are kept.
    /// </summary>
    public const int DefaultSlice = 256;

    /// <returns>[texts.Count, sentences.Dimension]: each text's pooled embedding.</returns>
    /// <param name="cancellationToken">Observed between slices.</param>
    public static float[] Pooled(ITextEmbedder sentences, IReadOnlyList<string> texts, int sliceSize = DefaultSlice, CancellationToken cancellationToken = default)
    {
        var pooled = new float[texts.Count * sentences.Dimension];
        for (var start = 0; start < texts.Count; start += sliceSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slice = texts.Skip(start).Take(sliceSize).ToArray();
            sentences.Embed(slice).Pooled.CopyTo(pooled.AsSpan(start * sentences.Dimension));
        }
        return pooled;
    }
}
