using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Embeddings.Hosting;

/// <summary>
/// Prepares (first run: fetch and convert, ~10 s) and loads the word vectors once per process. As a hosted service it
/// does so while the host starts, so the first text is not kept waiting; outside a host the first <see cref="Get"/> does it.
/// </summary>
public sealed class WordVectorModelLoader : IHostedService, IDisposable
{
    private readonly Lazy<Task<WordVectors>> _vectors;
    private readonly CancellationTokenSource _stopping = new();

    public WordVectorModelLoader(IOptions<WordVectorOptions> options, WordVectorModelSetup setup, ILogger<WordVectorModelLoader>? logger = null)
    {
        var log = (ILogger?)logger ?? NullLogger.Instance;
        // Not the caller's token: a cancelled wait must not leave a cancelled model behind for everyone else.
        _vectors = new(() => LoadAsync(options.Value, setup, log, _stopping.Token));
    }

    public Task<WordVectors> GetAsync(CancellationToken cancellationToken = default) => _vectors.Value.WaitAsync(cancellationToken);

    /// <summary>Blocks until the model is ready; for synchronous construction such as a DI factory.</summary>
    public WordVectors Get() => _vectors.Value.GetAwaiter().GetResult();

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => GetAsync(cancellationToken);

    Task IHostedService.StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    private static async Task<WordVectors> LoadAsync(WordVectorOptions options, WordVectorModelSetup setup, ILogger logger, CancellationToken cancellationToken)
    {
        var path = await setup.EnsureAsync(options, new TenthsLogger(logger), cancellationToken);
        var stopwatch = Stopwatch.StartNew();
        var vectors = await Task.Run(() => WordVectors.Load(path), cancellationToken);
        logger.LogInformation("Loaded {Count} word vectors of dimension {Dimension} from {Path} in {Milliseconds} ms",
            vectors.Count, vectors.Dimension, path, stopwatch.ElapsedMilliseconds);
        return vectors;
    }

    /// <summary>Logs conversion progress at every tenth, synchronously (<see cref="Progress{T}"/> would post each report).</summary>
    private sealed class TenthsLogger(ILogger logger) : IProgress<double>
    {
        private int _lastTenth;

        public void Report(double value)
        {
            var tenth = (int)(value * 10);
            if (tenth > _lastTenth && tenth < 10)
            {
                _lastTenth = tenth;
                logger.LogInformation("Preparing word vectors: {Percent}%", tenth * 10);
            }
        }
    }
}
