using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Hosting;

public static class ScoringServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ONNX session factory and the two-stage scorer, with <see cref="OnnxRuntimeOptions"/> and
    /// <see cref="ScoringOptions"/> bound from their configuration sections and validated at start.
    /// An embedder (ITextEmbedder) must be registered separately.
    /// </summary>
    public static IServiceCollection AddStreamAttentionScoring(this IServiceCollection services)
    {
        services.AddOptions<OnnxRuntimeOptions>().BindConfiguration(OnnxRuntimeOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new OnnxSessionFactory(sp.GetRequiredService<IOptions<OnnxRuntimeOptions>>().Value, sp.GetRequiredService<ILogger<OnnxSessionFactory>>()));
        services.TryAddSingleton(sp => new TwoStageScorer(sp.GetRequiredService<OnnxSessionFactory>(), sp.GetRequiredService<IOptions<ScoringOptions>>().Value));
        services.TryAddSingleton<MessageScorer>();
        return services;
    }
}
