using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Live;

/// <summary>
/// Delivers scored matches off the scoring path: the gateway queues a batch's matches here and returns. One loop
/// drains the queue in order: it appends each batch's matches to the users' histories (one call per user, retried
/// <see cref="Attempts"/> times with backoff, so one failing user grain delays only its own matches) and publishes the
/// batch once to the live feed. The queue holds at most <see cref="Capacity"/> batches; when it is full the gateway
/// waits for room, so delivery slows scoring down rather than growing without bound.
/// </summary>
public sealed class MatchDelivery(IGrainFactory grains, ILogger<MatchDelivery> logger) : BackgroundService
{
    public const int Capacity = 1024;
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    private readonly Channel<IReadOnlyList<LiveMatch>> _queue = Channel.CreateBounded<IReadOnlyList<LiveMatch>>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ValueTask EnqueueAsync(IReadOnlyList<LiveMatch> matches, CancellationToken cancellationToken)
        => matches.Count == 0 ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(matches, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var matches in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await Task.WhenAll(matches.GroupBy(m => m.UserId).Select(user => AppendAsync(user.Key, user.Select(m => m.Match).ToArray(), stoppingToken)));
                try
                {
                    await grains.GetGrain<IMatchFeedGrain>(0).Publish(matches);
                }
                catch (Exception e)
                {
                    logger.LogWarning("Publishing {Matches} matches to the live feed failed: {Error}", matches.Count, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task AppendAsync(string userId, UserMatch[] matches, CancellationToken stoppingToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grains.GetGrain<IUserGrain>(userId).AppendMatches(matches);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                if (attempt == Attempts)
                {
                    logger.LogWarning("Dropping {Matches} matches of user {User} from its history after {Attempts} attempts: {Error}", matches.Length, userId, attempt, e.Message);
                    return;
                }
                await Task.Delay(delay, stoppingToken);
                delay *= 2;
            }
        }
    }
}
