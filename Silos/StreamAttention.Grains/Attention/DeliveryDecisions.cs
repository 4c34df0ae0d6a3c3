using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The gateway's step between scoring and returning: gives every match an id and asks each matched user's grain
/// (one call per user, in parallel) to decide its delivery, so what the caller publishes (the Kafka topics) and what
/// the user's history and live stream show are the same decisions. It runs after the scoring run, so it holds up only
/// this batch's caller, never the silo's scoring queue. A user grain that cannot answer is asked again
/// (<see cref="Attempts"/> times, with backoff); then the batch fails and its caller retries it (at-least-once).
/// </summary>
public sealed class DeliveryDecisions(IGrainFactory grains, ILogger<DeliveryDecisions> logger)
{
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The matches decided, in the order given (grouped by user).</summary>
    public async Task<IReadOnlyList<(string UserId, UserMatch Match)>> DecideAsync(IReadOnlyList<(string UserId, UserMatch Match)> matches, CancellationToken cancellationToken)
    {
        var users = matches.Select((m, index) => (m.UserId, m.Match, index)).GroupBy(m => m.UserId, StringComparer.Ordinal).ToArray();
        var decided = new (string, UserMatch)[matches.Count];
        await Task.WhenAll(users.Select(async user =>
        {
            var items = user.ToArray();
            var result = await DecideForUserAsync(user.Key, items.Select(m => m.Match).ToArray(), cancellationToken);
            for (var i = 0; i < items.Length; i++)
            {
                decided[items[i].index] = (user.Key, result[i]);
            }
        }));
        return decided;
    }

    private async Task<IReadOnlyList<UserMatch>> DecideForUserAsync(string userId, UserMatch[] matches, CancellationToken cancellationToken)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await grains.GetGrain<IUserGrain>(userId).Decide(matches);
            }
            catch (Exception e) when (attempt < Attempts && e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Deciding {Matches} matches of user {User} failed (attempt {Attempt}), retrying in {Delay}: {Error}", matches.Length, userId, attempt, delay, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }
}
