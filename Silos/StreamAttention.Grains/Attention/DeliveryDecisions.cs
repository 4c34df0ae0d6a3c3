using System.Runtime.InteropServices;
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
        // Each user's match indexes, users in order of their first match.
        var users = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < matches.Count; i++)
        {
            (CollectionsMarshal.GetValueRefOrAddDefault(users, matches[i].UserId, out _) ??= []).Add(i);
        }
        var decided = new (string, UserMatch)[matches.Count];
        await Task.WhenAll(users.Select(async user =>
        {
            var indexes = user.Value;
            var userMatches = new UserMatch[indexes.Count];
            for (var i = 0; i < userMatches.Length; i++)
            {
                userMatches[i] = matches[indexes[i]].Match;
            }
            var result = await DecideForUserAsync(user.Key, userMatches, cancellationToken);
            for (var i = 0; i < userMatches.Length; i++)
            {
                decided[indexes[i]] = (user.Key, result[i]);
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
