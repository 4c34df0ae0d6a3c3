using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Embeddings.Hosting;

public static class TransformerEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="TransformerEmbedder"/> as the <see cref="ITextEmbedder"/> (replacing an earlier one).
    /// Options are validated when the host starts, including that the model and vocabulary files exist.
    /// Chain <c>.BindConfiguration(TransformerEmbeddingOptions.SectionName)</c> on the result to read configuration.
    /// </summary>
    public static OptionsBuilder<TransformerEmbeddingOptions> AddTransformerEmbeddings(
        this IServiceCollection services, Action<TransformerEmbeddingOptions>? configure = null)
    {
        var options = services.AddOptions<TransformerEmbeddingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateDataAnnotations().ValidateOnStart();

        services.AddOnnxSessionFactory();
        services.AddSingleton<ITextEmbedder>(sp =>
        {
            var transformer = sp.GetRequiredService<IOptions<TransformerEmbeddingOptions>>().Value;
            try
            {
                return new TransformerEmbedder(transformer, sp.GetRequiredService<OnnxSessionFactory>(), sp.GetService<ILogger<TransformerEmbedder>>());
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A user's own model and vocabulary: whatever in them ONNX Runtime, the tokenizer or the checks refuse is
                // a deployment mistake, told with the settings' names rather than a stack.
                throw new ModelFilesException($"{TransformerEmbeddingOptions.SectionName}:{nameof(TransformerEmbeddingOptions.ModelPath)} {transformer.ModelPath} "
                    + $"with {nameof(TransformerEmbeddingOptions.VocabPath)} {transformer.VocabPath} cannot be used: {e.Message}", e);
            }
        });
        return options;
    }

    /// <summary>
    /// The process's one ONNX session factory, which embedders and the scorer run their models on, with
    /// <see cref="OnnxRuntimeOptions"/> bound from section "Onnx" and validated at start (whoever registers it first).
    /// </summary>
    public static IServiceCollection AddOnnxSessionFactory(this IServiceCollection services)
    {
        if (services.Any(service => service.ServiceType == typeof(OnnxSessionFactory)))
        {
            return services;
        }
        services.AddOptions<OnnxRuntimeOptions>().BindConfiguration(OnnxRuntimeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new OnnxSessionFactory(
            sp.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value,
            sp.GetService<ILogger<OnnxSessionFactory>>()));
        return services;
    }
}
