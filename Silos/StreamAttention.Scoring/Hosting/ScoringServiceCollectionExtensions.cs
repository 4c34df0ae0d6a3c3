using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Hosting;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Hosting;

public static class ScoringServiceCollectionExtensions
{
    /// <summary>
    /// Registers the ONNX session factory, the two-stage scorer and the tiered scorer over it (with MiniLM, extracted
    /// into the model cache on first use, where <see cref="ScoringOptions.Tier"/> is cascade or contextual: the
    /// container's one <see cref="MiniLmSentenceModel"/>, shared with the embedder where that runs MiniLM too), with
    /// <see cref="OnnxRuntimeOptions"/>, <see cref="ScoringOptions"/> and <see cref="MiniLmOptions"/> bound from their
    /// configuration sections and validated at start. An embedder (ITextEmbedder) must be registered separately.
    /// </summary>
    public static IServiceCollection AddStreamAttentionScoring(this IServiceCollection services)
    {
        services.AddOnnxSessionFactory();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MiniLmOptions>().BindConfiguration(MiniLmOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(sp => new TwoStageScorer(sp.GetRequiredService<OnnxSessionFactory>(), sp.GetRequiredService<IOptions<ScoringOptions>>().Value));
        services.AddMiniLmSentenceModel();
        services.TryAddSingleton(sp => ContextualTier.Create(sp));
        services.TryAddSingleton(sp => new TieredScorer(
            sp.GetRequiredService<TwoStageScorer>(),
            sp.GetRequiredService<ContextualTier>().Rescorer,
            sp.GetRequiredService<ContextualTier>().OnCuda,
            sp.GetService<ILogger<TieredScorer>>()));
        services.TryAddSingleton(sp => new MessageScorer(sp.GetRequiredService<ITextEmbedder>(), sp.GetRequiredService<TieredScorer>()));
        return services;
    }
}
