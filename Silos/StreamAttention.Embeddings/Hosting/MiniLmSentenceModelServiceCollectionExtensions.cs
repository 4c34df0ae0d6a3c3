using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Hosting;

public static class MiniLmSentenceModelServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MiniLmSentenceModel"/>, MiniLM's one transformer embedder in the container (a second call
    /// keeps the first registration), extracted into the model cache and loaded when first resolved, with
    /// <see cref="MiniLmOptions"/> as the caller binds them.
    /// </summary>
    public static IServiceCollection AddMiniLmSentenceModel(this IServiceCollection services)
    {
        services.AddOptions<MiniLmOptions>();
        services.AddOnnxSessionFactory();
        services.TryAddSingleton(sp => new MiniLmModelSetup(sp.GetService<ILogger<MiniLmModelSetup>>()));
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MiniLmOptions>>().Value;
            var files = sp.GetRequiredService<MiniLmModelSetup>().EnsureAsync(options).GetAwaiter().GetResult();
            return MiniLmSentenceModel.Create(files, options, sp.GetRequiredService<OnnxSessionFactory>(), sp.GetService<ILogger<TransformerEmbedder>>());
        });
        return services;
    }
}
