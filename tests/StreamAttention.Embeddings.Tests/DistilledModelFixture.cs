using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

/// <summary>
/// A distilled token table built in a temporary directory from the first 5,000 vocabulary entries (common words,
/// a few seconds) instead of all 30,522, which setup distils, and no whole words (<see cref="TokenTableDistillerTests"/>
/// distils some); MiniLM itself comes from the shared model cache.
/// </summary>
public sealed class DistilledModelFixture : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();

    public DistilledModelOptions Options { get; private set; } = null!;

    public DistilledModelFiles Files { get; private set; } = null!;

    public List<double> Progress { get; } = [];

    public DistilledTokenTable Table { get; private set; } = null!;

    public DistilledModelSetup Setup { get; } = new(new MiniLmModelSetup(), new WordVectorModelSetup(), new OnnxSessionFactory(new OnnxRuntimeOptions()));

    public async Task InitializeAsync()
    {
        Options = new DistilledModelOptions { ModelDirectory = _directory.Path, VocabularyLimit = 5_000, Dimension = 64, MaxTokens = 8, WholeWords = 0 };
        Files = await Setup.EnsureAsync(Options, new MiniLmOptions(), new WordVectorOptions(), new ListProgress(Progress));
        Table = DistilledTokenTable.Load(Files.TablePath, Files.InputsKey);
    }

    public Task DisposeAsync()
    {
        _directory.Dispose();
        return Task.CompletedTask;
    }

    private sealed class ListProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value) => reports.Add(value);
    }
}

[CollectionDefinition(Name)]
public sealed class DistilledModelCollection : ICollectionFixture<DistilledModelFixture>
{
    public const string Name = "Distilled model";
}
