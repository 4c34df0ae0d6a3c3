using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using StreamAttention.Ingest.Diagnostics;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// Runs the consumer's sessions (<see cref="KafkaIngestService"/>) until the ingest stops: a session that fails is
/// started again from the committed offsets after <see cref="FirstDelay"/>, doubled at each failure in a row up to
/// <see cref="MaxDelay"/> (no jitter), each restart counted (<see cref="IngestInstruments.Restarted"/>) and logged as an
/// error; a session that ends without failing is followed by the next at once, its delays started over. Sessions run
/// and waits block on the calling thread (the consume loop's own).
/// </summary>
/// <param name="logger">The ingest service's: its errors keep their category.</param>
public sealed class ConsumerRestarts(TimeProvider time, IngestInstruments metrics, ILogger logger)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>One session and its restarts; a failure while stopping is not retried but thrown, as is the stop that ends a wait.</summary>
    public ResiliencePipeline Pipeline { get; } = new ResiliencePipelineBuilder { Name = "ingest-consumer", TimeProvider = time }
        .AddRetry(new RetryStrategyOptions
        {
            Name = "consumer-restarts",
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = FirstDelay,
            MaxDelay = MaxDelay,
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null && !args.Context.CancellationToken.IsCancellationRequested),
            OnRetry = args =>
            {
                metrics.Restarted();
                logger.LogError(args.Outcome.Exception, "Kafka ingest failed; the consumer restarts from its committed offsets in {Delay}", args.RetryDelay);
                return default;
            },
        })
        .Build();

    /// <summary>Runs <paramref name="session"/> again and again until <paramref name="stopping"/> is cancelled.</summary>
    public void Run(Action session, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Pipeline.Execute(_ => session(), stopping);
        }
    }
}
