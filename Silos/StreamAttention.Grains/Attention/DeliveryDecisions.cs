using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The gateway's step between scoring and returning: gives every match an id and asks each matched user's grain
/// (one call per user, in parallel) to decide its delivery, so what the caller publishes (the Kafka topics) and what
/// the user's history and live stream show are the same decisions. It runs after the scoring run, so it holds up only
/// this batch's caller, never the silo's scoring queue. A user grain that cannot answer is asked again
/// (<see cref="Attempts"/> times, with backoff); then the batch fails and its caller retries it (at-least-once).
/// </summary>
public sealed class DeliveryDecisions(UserGrainReferences users, ILogger<DeliveryDecisions> logger)
{
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The matches' decisions, in the order given.</summary>
    public async Task<MatchDecision[]> DecideAsync(IReadOnlyList<(string UserId, UserMatch Match)> matches, CancellationToken cancellationToken)
    {
        var byUser = MatchesByUser.Of(matches);
        var decided = new MatchDecision[matches.Count];
        var calls = new Task[byUser.Count];
        for (var user = 0; user < calls.Length; user++)
        {
            calls[user] = DecideForUserAsync(byUser.UserId(user), byUser.Indexes(user), matches, decided, cancellationToken);
        }
        await Task.WhenAll(calls);
        return decided;
    }

    /// <summary>Decides one user's matches (<paramref name="indexes"/> into <paramref name="matches"/>) into <paramref name="decided"/>.</summary>
    private async Task DecideForUserAsync(string userId, ReadOnlyMemory<int> indexes, IReadOnlyList<(string UserId, UserMatch Match)> matches,
        MatchDecision[] decided, CancellationToken cancellationToken)
    {
        var userMatches = new UserMatch[indexes.Length];
        for (var i = 0; i < userMatches.Length; i++)
        {
            userMatches[i] = matches[indexes.Span[i]].Match;
        }
        IReadOnlyList<MatchDecision> result;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                result = await users.Of(userId).Decide(userMatches);
                break;
            }
            catch (Exception e) when (attempt < Attempts && e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Deciding {Matches} matches of user {User} failed (attempt {Attempt}), retrying in {Delay}: {Error}", userMatches.Length, userId, attempt, delay, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
        for (var i = 0; i < userMatches.Length; i++)
        {
            decided[indexes.Span[i]] = result[i];
        }
    }
}
