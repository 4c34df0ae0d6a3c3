using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// The contextual model of the cascade and contextual tiers: MiniLM through the container's one transformer embedder
/// (<see cref="MiniLmSentenceModel"/>, also the distilled tier's interest expansion or the minilm provider where those
/// run), or nothing in the fast tier. Disposes the rescorer with the container; the model is the container's.
/// </summary>
public sealed class ContextualTier(ContextualRescorer? rescorer, bool onCuda) : IDisposable
{
    public ContextualRescorer? Rescorer => rescorer;

    /// <summary>Whether the contextual model's session runs on CUDA (the cascade then rescores every pair).</summary>
    public bool OnCuda => onCuda;

    public static ContextualTier Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ScoringOptions>>().Value;
        if (options.Tier == ScoringTier.Fast)
        {
            return new ContextualTier(null, false);
        }
        var miniLm = services.GetRequiredService<MiniLmSentenceModel>();
        return new ContextualTier(new ContextualRescorer(miniLm.Embedder, services.GetRequiredService<OnnxSessionFactory>(), options), miniLm.OnCuda);
    }

    public void Dispose() => rescorer?.Dispose();
}
