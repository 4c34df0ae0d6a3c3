using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Hosting;

public static class StaticWordEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="StaticWordEmbedder"/> as the singleton <see cref="ITextEmbedder"/> (unless one is registered already), with validated
    /// <see cref="WordVectorOptions"/> and a <see cref="WordVectorModelLoader"/> that prepares the model while the host starts.
    /// Chain <c>.BindConfiguration(WordVectorOptions.SectionName)</c> on the result to read configuration.
    /// </summary>
    public static OptionsBuilder<WordVectorOptions> AddStaticWordEmbeddings(this IServiceCollection services, Action<WordVectorOptions>? configure = null)
    {
        var options = services.AddOptions<WordVectorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        options.ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<WordVectorModelSetup>();
        services.TryAddSingleton<WordVectorModelLoader>();
        services.AddHostedService(provider => provider.GetRequiredService<WordVectorModelLoader>());
        services.TryAddSingleton<ITextEmbedder>(provider => new StaticWordEmbedder(
            provider.GetRequiredService<WordVectorModelLoader>().Get(),
            provider.GetRequiredService<IOptions<WordVectorOptions>>().Value));
        return options;
    }
}
