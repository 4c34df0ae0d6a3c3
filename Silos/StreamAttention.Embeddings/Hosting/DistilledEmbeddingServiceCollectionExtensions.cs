using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Hosting;

public static class DistilledEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DistilledEmbedder"/> (the static token table distilled from MiniLM and the sentence map that
    /// expands interests, prepared on first use) as the <see cref="ITextEmbedder"/>, warmed up while the host starts
    /// (<see cref="EmbedderWarmUp"/>). Chain <c>.BindConfiguration(DistilledModelOptions.SectionName)</c> on the result
    /// to read configuration; MiniLM's and GloVe's own options (<see cref="MiniLmOptions"/>, <see cref="WordVectorOptions"/>,
    /// GloVe for its word list) are bound from their sections.
    /// </summary>
    public static OptionsBuilder<DistilledModelOptions> AddDistilledEmbeddings(this IServiceCollection services, Action<DistilledModelOptions>? configure = null)
    {
        var options = services.AddOptions<DistilledModelOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiniLmOptions>().BindConfiguration(MiniLmOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WordVectorOptions>().BindConfiguration(WordVectorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOnnxSessionFactory();
        services.AddMiniLmSentenceModel();
        services.AddSingleton(sp => new DistilledModelSetup(
            new MiniLmModelSetup(sp.GetService<ILogger<MiniLmModelSetup>>()),
            new WordVectorModelSetup(sp.GetService<ILogger<WordVectorModelSetup>>()),
            sp.GetRequiredService<OnnxSessionFactory>(),
            sp.GetService<ILogger<DistilledModelSetup>>()));
        services.AddSingleton<ITextEmbedder>(sp =>
        {
            var distilled = sp.GetRequiredService<IOptions<DistilledModelOptions>>().Value;
            var files = sp.GetRequiredService<DistilledModelSetup>()
                .EnsureAsync(distilled, sp.GetRequiredService<IOptions<MiniLmOptions>>().Value, sp.GetRequiredService<IOptions<WordVectorOptions>>().Value)
                .GetAwaiter().GetResult();
            // The same model file and options the map was fitted on, in the session the contextual tier also runs.
            var sentences = files.Expansion is null ? null : sp.GetRequiredService<MiniLmSentenceModel>().Embedder;
            try
            {
                var table = DistilledTokenTable.Load(files.TablePath, files.InputsKey);
                return files.Expansion is not { } expansion
                    ? new DistilledEmbedder(table, files.VocabularyPath, distilled)
                    : new DistilledEmbedder(table, files.VocabularyPath, distilled, sentences, SentenceProjection.Load(expansion.Path, expansion.InputsKey),
                        sp.GetRequiredService<OnnxSessionFactory>());
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException)
            {
                throw new ModelFilesException($"the cached distilled model {files.TablePath} (with {files.VocabularyPath}{(files.Expansion is { } map ? $" and {map.Path}" : "")}) "
                    + $"cannot be used ({e.Message}): delete them with their .stamp files and run setup again", e);
            }
        });
        services.AddHostedService<EmbedderWarmUp>();
        return options;
    }
}
