using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests;

/// <summary>The product's default matcher on the real GloVe vectors (prepared in the model cache on first use).</summary>
public sealed class GloveMatcherFixture : IAsyncLifetime
{
    public MessageMatcher Matcher { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var options = new WordVectorOptions();
        var embedder = new StaticWordEmbedder(WordVectors.Load(await new WordVectorModelSetup().EnsureAsync(options)), options);
        Matcher = new MessageMatcher(embedder, new TwoStageScorer(TestData.Sessions(), new ScoringOptions()));
    }

    public Task DisposeAsync()
    {
        Matcher.Scorer.Dispose();
        Matcher.Embedder.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class GloveMatcherCollection : ICollectionFixture<GloveMatcherFixture>
{
    public const string Name = "GloVe matcher";
}
