using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;

namespace StreamAttention.Embeddings.Tests;

/// <summary>The MiniLM and distilled providers as a host registers them from configuration.</summary>
[Collection(DistilledModelCollection.Name)]
public sealed class PretrainedEmbeddingHostingTests(DistilledModelFixture distilled)
{
    [Fact]
    public async Task MiniLm_registers_the_transformer_embedder_on_the_extracted_model()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{MiniLmOptions.SectionName}:MaxTokens"] = "40" });
        builder.Services.AddMiniLmEmbeddings().BindConfiguration(MiniLmOptions.SectionName);
        using var host = builder.Build();

        await host.StartAsync();
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();

        Assert.IsType<TransformerEmbedder>(embedder);
        // The published model's name is its identity (its float and int8 files, which CPU and GPU silos run, are one
        // model), with the word pieces kept beside it where they are not the default: long texts are cut elsewhere.
        Assert.Equal((MiniLmModelSetup.ModelName, $"{MiniLmModelSetup.ModelName} max-tokens 40", 40, 384), (embedder.Name, embedder.Identity, embedder.MaxTokens, embedder.Dimension));
        await host.StopAsync();
    }

    [Fact]
    public async Task Distilled_registers_the_static_embedder_on_the_table_its_options_name()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{DistilledModelOptions.SectionName}:ModelDirectory"] = distilled.Options.ModelDirectory,
            [$"{DistilledModelOptions.SectionName}:VocabularyLimit"] = distilled.Options.VocabularyLimit.ToString(),
            [$"{DistilledModelOptions.SectionName}:Dimension"] = distilled.Options.Dimension.ToString(),
            [$"{DistilledModelOptions.SectionName}:WholeWords"] = distilled.Options.WholeWords.ToString(),
        });
        builder.Services.AddDistilledEmbeddings().BindConfiguration(DistilledModelOptions.SectionName);
        using var host = builder.Build();

        await host.StartAsync();
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();

        Assert.IsType<DistilledEmbedder>(embedder);
        Assert.Equal(($"{DistilledModelSetup.ModelName}-{distilled.Options.Dimension}d", 64), (embedder.Name, embedder.MaxTokens));
        Assert.Equal(["car", "road"], embedder.Embed(["a car on the road"]).TokenTexts[0]);
        await host.StopAsync();
    }

    [Fact]
    public async Task Distilled_fits_the_sentence_map_while_the_host_starts_when_the_model_pack_lacks_it()
    {
        // The fixture's table without its map, as a cache prepared before interests were expanded.
        using var directory = new TemporaryDirectory();
        File.Copy(distilled.Files.TablePath, Path.Combine(directory.Path, Path.GetFileName(distilled.Files.TablePath)));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDistilledEmbeddings(o =>
        {
            o.ModelDirectory = directory.Path;
            o.VocabularyLimit = distilled.Options.VocabularyLimit;
            o.Dimension = distilled.Options.Dimension;
            o.WholeWords = distilled.Options.WholeWords;
        });
        using var host = builder.Build();
        var map = Path.Combine(directory.Path, Path.GetFileName(distilled.Files.Expansion!.Path));
        Assert.False(File.Exists(map));

        await host.StartAsync();

        Assert.True(File.Exists(map));
        Assert.Contains(host.Services.GetServices<IHostedService>(), service => service is EmbedderWarmUp);
        var interest = host.Services.GetRequiredService<ITextEmbedder>().EmbedQueries(["a car on the road"]);
        Assert.Equal(["car", "road"], interest.TokenTexts[0][..2]);
        Assert.Equal(2 + new DistilledModelOptions().ExpansionWords, interest.TokenCount(0));
        await host.StopAsync();
    }

    [Fact]
    public async Task Distilled_options_are_validated_at_startup()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddDistilledEmbeddings(o => o.Dimension = 1000);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(nameof(DistilledModelOptions.Dimension)));
    }
}
