using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Cascade;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The silo's only user of its ONNX scorer, in three parts: the silo's interest index (<see cref="SiloInterestIndex"/>,
/// what the silo's shards published), the bounded queue (<see cref="ScoringQueue"/>) and the run
/// (<see cref="ScoringRun"/>). Dynamic batching as in Triton: a run takes up to
/// <see cref="DynamicBatchingOptions.MaxBatchSize"/> queued requests and <see cref="DynamicBatchingOptions.MaxBatchMessages"/>
/// messages, waiting at most <see cref="DynamicBatchingOptions.MaxQueueDelay"/> after the first for more; requests
/// against the same index are concatenated into one scorer call. Requests queue while a run is busy, so under load
/// runs grow by themselves even with no delay, and the bounds keep any one run, and so any caller's wait, short.
/// Started and stopped by the silo's lifecycle (<see cref="ServiceLifecycleStage.ApplicationServices"/>), not as a
/// hosted service of its own: a hosted service stopped before the silo, so a leaving silo's shards refused the calls
/// Orleans still routed to them; now it stops only after the silo deactivated its grains.
/// </summary>
public sealed class ShardScoringBatcher(
    TieredScorer scorer,
    ITextEmbedder embedder,
    SiloInterestIndex index,
    IOptions<DynamicBatchingOptions> options,
    BatchingInstruments metrics) : BackgroundService, ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ScoringQueue _queue = new(options.Value.QueueCapacity);
    // The rows carry their texts (the gateway sets them), which keyword rules and the contextual tiers read.
    private readonly ScoringRun _run = new((messages, interests) => scorer.Score(messages, interests), embedder.Dimension);
    private volatile bool _stopped;

    /// <summary>What the silo's shards published.</summary>
    public SiloInterestIndex Index => index;

    /// <summary>
    /// The pairs of <paramref name="messages"/> and <paramref name="interests"/> that reach their thresholds. Throws
    /// <see cref="ScoringBusyException"/> when the queue is full; cancelled while queued, the request is dropped.
    /// </summary>
    public Task<List<RowMatch>> ScoreAsync(IReadOnlyList<EmbeddedText> messages, InterestIndex interests, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<List<RowMatch>>(cancellationToken);
        }
        var request = new ScoringRequest(messages, interests, cancellationToken);
        if (!_queue.TryEnqueue(request))
        {
            if (_stopped)
            {
                // Not the messages' fault: a caller retries it as it does a silo that is gone.
                throw new SiloUnavailableException("The silo is shutting down: scoring stopped.");
            }
            metrics.Dropped(BatchingInstruments.Busy);
            throw new ScoringBusyException($"The silo's scoring queue is full ({_queue.Capacity} requests); retry later.");
        }
        return request.Completion.Task;
    }

    public void Participate(ISiloLifecycle lifecycle)
        => lifecycle.Subscribe(nameof(ShardScoringBatcher), ServiceLifecycleStage.ApplicationServices, StartAsync, StopAsync);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var taken = await _queue.TakeAsync(options.Value.MaxBatchSize, options.Value.MaxBatchMessages, options.Value.MaxQueueDelay, stoppingToken);
                for (var i = 0; i < taken.Dropped; i++)
                {
                    metrics.Dropped(BatchingInstruments.Cancelled);
                }
                var started = Stopwatch.GetTimestamp();
                foreach (var request in taken.Requests)
                {
                    metrics.QueueDelay.Record(Stopwatch.GetElapsedTime(request.Enqueued, started).TotalMilliseconds);
                }
                foreach (var run in ScoringRun.ByIndex(taken.Requests))
                {
                    metrics.BatchSize.Record(run.Length);
                    metrics.BatchInterests.Record(run[0].Index.Count);
                    _run.Execute(run);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _stopped = true;
            _queue.Close();
        }
    }
}
