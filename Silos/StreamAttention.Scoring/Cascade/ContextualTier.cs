using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// The contextual model of the cascade and contextual tiers: MiniLM through the transformer embedder, on its own
/// sessions (the configured embedder may be GloVe), or nothing in the fast tier. Disposes the rescorer with the container.
/// </summary>
public sealed class ContextualTier(ContextualRescorer? rescorer, bool onCuda) : IDisposable
{
    public ContextualRescorer? Rescorer => rescorer;

    /// <summary>Whether the contextual model's sessions run on CUDA (the cascade then rescores every pair).</summary>
    public bool OnCuda => onCuda;

    public static ContextualTier Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ScoringOptions>>().Value;
        if (options.Tier == ScoringTier.Fast)
        {
            return new ContextualTier(null, false);
        }
        var miniLm = services.GetRequiredService<IOptions<MiniLmOptions>>().Value;
        var files = new MiniLmModelSetup(services.GetService<ILogger<MiniLmModelSetup>>()).EnsureAsync(miniLm).GetAwaiter().GetResult();
        var sessions = services.GetRequiredService<OnnxSessionFactory>();
        var embedder = files.CreateEmbedder(miniLm, sessions, services.GetService<ILogger<TransformerEmbedder>>());
        // The factory reports the provider of the session it created last: the model's, just above.
        var onCuda = sessions.ActiveProvider == "CUDA";
        return new ContextualTier(new ContextualRescorer(embedder, sessions, options), onCuda);
    }

    public void Dispose() => rescorer?.Dispose();
}
