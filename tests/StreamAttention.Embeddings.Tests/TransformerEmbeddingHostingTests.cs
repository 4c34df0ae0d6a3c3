using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Tests;

public sealed class TransformerEmbeddingHostingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("transformer-hosting-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Registers_the_embedder_from_configuration()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{TransformerEmbeddingOptions.SectionName}:ModelPath"] = modelPath,
            [$"{TransformerEmbeddingOptions.SectionName}:VocabPath"] = vocabPath,
            [$"{TransformerEmbeddingOptions.SectionName}:MaxTokens"] = "20",
            [$"{TransformerEmbeddingOptions.SectionName}:Name"] = "tiny-bert-v1",
        });
        builder.Services.AddTransformerEmbeddings().BindConfiguration(TransformerEmbeddingOptions.SectionName);
        using var host = builder.Build();

        await host.StartAsync();
        var embedder = host.Services.GetRequiredService<ITextEmbedder>();

        Assert.IsType<TransformerEmbedder>(embedder);
        Assert.Equal(("tiny-bert-v1", 20, TransformerTestModel.Hidden), (embedder.Name, embedder.MaxTokens, embedder.Dimension));
        Assert.Same(embedder, host.Services.GetRequiredService<ITextEmbedder>());
        await host.StopAsync();
    }

    [Fact]
    public async Task An_embedder_alone_reads_and_checks_the_onnx_settings()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{OnnxRuntimeOptions.SectionName}:ExecutionProvider"] = "tpu" });
        builder.Services.AddTransformerEmbeddings(o => (o.ModelPath, o.VocabPath) = (modelPath, vocabPath));
        using var host = builder.Build();

        // Without the scorer's registration, which used to be the only one to bind the section: "tpu" was never read.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(nameof(OnnxRuntimeOptions.ExecutionProvider)));
    }

    [Fact]
    public async Task Fails_at_startup_when_the_model_files_are_missing()
    {
        var missing = Path.Combine(_directory, "missing.onnx");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTransformerEmbeddings(o => (o.ModelPath, o.VocabPath, o.MaxTokens) = (missing, "", 0));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.Contains(missing));
        Assert.Contains(error.Failures, f => f.Contains(nameof(TransformerEmbeddingOptions.VocabPath)));
        Assert.Contains(error.Failures, f => f.Contains(nameof(TransformerEmbeddingOptions.MaxTokens)));
    }

    [Fact]
    public async Task Reads_the_pooling_and_the_prefixes_from_configuration()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);
        using var plain = await StartedWith(modelPath, vocabPath, new());
        using var configured = await StartedWith(modelPath, vocabPath, new()
        {
            [$"{TransformerEmbeddingOptions.SectionName}:Pooling"] = "cls",
            [$"{TransformerEmbeddingOptions.SectionName}:QueryPrefix"] = "on the",
            [$"{TransformerEmbeddingOptions.SectionName}:DocumentPrefix"] = "mat",
        });

        var options = configured.Services.GetRequiredService<IOptions<TransformerEmbeddingOptions>>().Value;
        Assert.Equal((TransformerPooling.Cls, "on the", "mat"), (options.Pooling, options.QueryPrefix, options.DocumentPrefix));
        Assert.NotEqual(plain.Services.GetRequiredService<ITextEmbedder>().Identity, configured.Services.GetRequiredService<ITextEmbedder>().Identity);
    }

    [Fact]
    public async Task Fails_at_startup_on_a_pooling_it_does_not_know()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartedWith(modelPath, vocabPath, new()
        {
            [$"{TransformerEmbeddingOptions.SectionName}:Pooling"] = "7",
        }));

        Assert.Contains(error.Failures, f => f.Contains(nameof(TransformerEmbeddingOptions.Pooling)));
    }

    [Fact]
    public async Task Fails_at_startup_where_a_prefix_leaves_too_few_positions_for_max_tokens()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);

        var error = await Assert.ThrowsAsync<ModelFilesException>(() => StartedWith(modelPath, vocabPath, new()
        {
            [$"{TransformerEmbeddingOptions.SectionName}:MaxTokens"] = "509",
            [$"{TransformerEmbeddingOptions.SectionName}:DocumentPrefix"] = "on the",
        }));

        Assert.Contains("MaxTokens to at most 508", error.Message);
    }

    [Fact]
    public async Task Fails_at_startup_naming_the_onnx_file_when_the_model_path_is_a_directory()
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(_directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddTransformerEmbeddings(o => (o.ModelPath, o.VocabPath) = (_directory, vocabPath));
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        // It used to say the directory "does not exist".
        var failure = Assert.Single(error.Failures);
        Assert.Contains($"'{_directory}' is a directory", failure);
        Assert.Contains(modelPath, failure);
    }

    private static async Task<IHost> StartedWith(string modelPath, string vocabPath, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        settings[$"{TransformerEmbeddingOptions.SectionName}:ModelPath"] = modelPath;
        settings[$"{TransformerEmbeddingOptions.SectionName}:VocabPath"] = vocabPath;
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddTransformerEmbeddings().BindConfiguration(TransformerEmbeddingOptions.SectionName);
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            host.Services.GetRequiredService<ITextEmbedder>();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
