using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Benchmarks;

/// <summary>GloVe as every benchmark uses it: default options, prepared into the model cache on first use.</summary>
internal static class GloveModel
{
    public static async Task<(WordVectors Vectors, StaticWordEmbedder Embedder)> LoadAsync()
    {
        var options = new WordVectorOptions();
        var vectors = WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(options));
        return (vectors, new StaticWordEmbedder(vectors, options));
    }
}
