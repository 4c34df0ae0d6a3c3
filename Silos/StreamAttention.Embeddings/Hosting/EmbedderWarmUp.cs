using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace StreamAttention.Embeddings.Hosting;

/// <summary>
/// Embeds one interest while the host starts, before anything it serves: resolving the embedder loads its model (for
/// the distilled table, the sentence map and MiniLM's session), and the first run pays ONNX Runtime's first-run
/// allocations, so neither falls into the first interest written (a user grain's turn).
/// </summary>
public sealed class EmbedderWarmUp(ITextEmbedder embedder, ILogger<EmbedderWarmUp> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        var stopwatch = Stopwatch.StartNew();
        embedder.EmbedQueries(["database replication lag"]);
        logger.LogDebug("Embedder {Name} warmed up in {Milliseconds} ms", embedder.Name, stopwatch.ElapsedMilliseconds);
    }, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
