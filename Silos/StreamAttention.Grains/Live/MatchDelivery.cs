using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;

namespace StreamAttention.Grains.Live;

/// <summary>
/// Publishes decided matches to the live feed off the scoring path: the gateway queues a batch's matches here and
/// returns. One loop drains the queue in order and publishes each batch once. (The users' histories are written by the
/// user grains themselves as they decide, see <c>DeliveryDecisions</c>.) The queue holds at most <see cref="Capacity"/>
/// batches; when it is full the gateway waits for room, so the feed slows scoring down rather than growing without bound.
/// </summary>
public sealed class MatchDelivery(IGrainFactory grains, ILogger<MatchDelivery> logger) : BackgroundService
{
    public const int Capacity = 1024;

    private readonly Channel<LiveBatch> _queue = Channel.CreateBounded<LiveBatch>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask EnqueueAsync(LiveBatch batch, CancellationToken cancellationToken)
        => batch.Matches.Count == 0 ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(batch, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var batch in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await grains.GetGrain<IMatchFeedGrain>(0).Publish(batch);
                }
                catch (Exception e)
                {
                    logger.LogWarning("Publishing {Matches} matches to the live feed failed: {Error}", batch.Matches.Count, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
