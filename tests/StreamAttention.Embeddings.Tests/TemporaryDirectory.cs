namespace StreamAttention.Embeddings.Tests;

internal sealed class TemporaryDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("streamattention-test-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
