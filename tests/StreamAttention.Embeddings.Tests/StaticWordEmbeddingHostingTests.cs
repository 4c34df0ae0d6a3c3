using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Tests;

public class StaticWordEmbeddingHostingTests
{
    [Fact]
    public async Task The_host_prepares_the_model_and_serves_the_embedder()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path, MaxTokens = 2 };
        SyntheticWinkPackage.WriteModel(options.ResolveModelPath(), ["database", "outage", "server"], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddStaticWordEmbeddings(o =>
        {
            o.ModelDirectory = options.ModelDirectory;
            o.MaxTokens = options.MaxTokens;
        });
        using var host = builder.Build();

        await host.StartAsync();
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();
        var batch = embedder.Embed(["server outage database"]);
        await host.StopAsync();

        Assert.IsType<StaticWordEmbedder>(embedder);
        Assert.Equal(3, embedder.Dimension);
        Assert.Equal(["server", "outage"], batch.TokenTexts[0]);
        Assert.True(batch.Truncated[0]);
    }

    [Fact]
    public void Without_a_host_the_first_use_loads_the_model()
    {
        using var directory = new TemporaryDirectory();
        var options = new WordVectorOptions { ModelDirectory = directory.Path };
        SyntheticWinkPackage.WriteModel(options.ResolveModelPath(), ["database", "outage"], [[1, 0], [0, 1]]);
        using var services = new ServiceCollection().AddStaticWordEmbeddings(o => o.ModelDirectory = directory.Path).Services.BuildServiceProvider();

        var batch = services.GetRequiredService<ITextEmbedder>().Embed(["outage"]);

        Assert.Equal(["outage"], batch.TokenTexts[0]);
    }

    [Theory]
    [InlineData(100_000, 64)]
    [InlineData(250_000, 0)]
    public async Task Invalid_options_stop_the_host_from_starting(int vocabularySize, int maxTokens)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddStaticWordEmbeddings(o =>
        {
            o.VocabularySize = vocabularySize;
            o.MaxTokens = maxTokens;
            o.ModelDirectory = "/nonexistent";
        });
        using var host = builder.Build();

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }
}
