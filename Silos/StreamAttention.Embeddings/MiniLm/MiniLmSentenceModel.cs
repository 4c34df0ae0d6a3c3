using Microsoft.Extensions.Logging;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.MiniLm;

/// <summary>
/// MiniLM's one transformer embedder in a container: the minilm provider, the distilled tier's interest expansion and
/// the contextual tier borrow it, so a process holds one session (one copy of the weights, one warm-up) however many of
/// them run. The container owns and disposes it, and creates it when the first of them is resolved (never where none is
/// configured). All three ran the same model before it was shared: the file and options come from
/// <see cref="MiniLmOptions"/> on the one session factory, so sharing changes no score. Concurrent calls are safe: each
/// call tokenizes and allocates its inputs and outputs itself, and ONNX Runtime's Run is thread-safe.
/// </summary>
public sealed class MiniLmSentenceModel(TransformerEmbedder embedder, bool onCuda) : IDisposable
{
    public TransformerEmbedder Embedder => embedder;

    /// <summary>Whether its session runs on CUDA.</summary>
    public bool OnCuda => onCuda;

    public static MiniLmSentenceModel Create(MiniLmModelFiles files, MiniLmOptions options, OnnxSessionFactory sessions, ILogger<TransformerEmbedder>? logger)
    {
        var embedder = files.CreateEmbedder(options, sessions, logger);
        // The factory reports the provider of the session it created last: the model's, just above.
        return new MiniLmSentenceModel(embedder, sessions.ActiveProvider == "CUDA");
    }

    public void Dispose() => embedder.Dispose();
}
