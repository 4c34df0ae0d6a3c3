using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The gateway's step between scoring and returning: gives every match an id and asks each matched user's grain
/// (one call per user, all at once) to decide its delivery, so what the caller publishes (the Kafka topics) and what
/// the user's history and live stream show are the same decisions. It runs after the scoring run, so it holds up only
/// this batch's caller, never the silo's scoring queue. A user grain that cannot answer is asked again
/// (<see cref="Attempts"/> times in all, with backoff); then the batch fails and its caller retries it (at-least-once).
/// </summary>
public sealed class DeliveryDecisions(UserGrainReferences users, ILogger<DeliveryDecisions> logger)
{
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>The users of the last batch decided, to size the next one's grouping (a hint: concurrent batches may race on it).</summary>
    private int _lastBatchUsers;

    /// <summary>The matches' decisions, in the order given.</summary>
    public async Task<MatchDecision[]> DecideAsync(IReadOnlyList<(string UserId, UserMatch Match)> matches, CancellationToken cancellationToken)
    {
        var byUser = MatchesByUser.Of(matches, _lastBatchUsers);
        _lastBatchUsers = byUser.Count;
        var decided = new MatchDecision[matches.Count];
        var userMatches = new UserMatch[byUser.Count][];
        var calls = new Task<MatchDecisions>[byUser.Count];
        for (var user = 0; user < calls.Length; user++)
        {
            userMatches[user] = MatchesOf(byUser.Indexes(user).Span, matches);
            calls[user] = users.Of(byUser.UserId(user)).Decide(userMatches[user]);
        }
        // One continuation for the whole batch rather than one per user (each would be scheduled on the gateway's
        // activation in turn); the calls that failed are asked again below.
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
        }
        List<Task>? retries = null;
        for (var user = 0; user < calls.Length; user++)
        {
            if (calls[user].IsCompletedSuccessfully)
            {
                Place(calls[user].Result, byUser.Indexes(user).Span, decided);
            }
            else
            {
                (retries ??= []).Add(AskAgainAsync(byUser.UserId(user), userMatches[user], calls[user], byUser.Indexes(user), decided, cancellationToken));
            }
        }
        if (retries is not null)
        {
            await Task.WhenAll(retries);
        }
        return decided;
    }

    private static UserMatch[] MatchesOf(ReadOnlySpan<int> indexes, IReadOnlyList<(string UserId, UserMatch Match)> matches)
    {
        var userMatches = new UserMatch[indexes.Length];
        for (var i = 0; i < userMatches.Length; i++)
        {
            userMatches[i] = matches[indexes[i]].Match;
        }
        return userMatches;
    }

    private static void Place(MatchDecisions result, ReadOnlySpan<int> indexes, MatchDecision[] decided)
    {
        for (var i = 0; i < indexes.Length; i++)
        {
            decided[indexes[i]] = result[i];
        }
    }

    /// <summary>Asks one user again after its first call failed, until it answers or the attempts are spent (then throws the last error).</summary>
    private async Task AskAgainAsync(string userId, UserMatch[] userMatches, Task<MatchDecisions> failed, ReadOnlyMemory<int> indexes,
        MatchDecision[] decided, CancellationToken cancellationToken)
    {
        var call = failed;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Place(await call, indexes.Span, decided);
                return;
            }
            catch (Exception e) when (attempt < Attempts && e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Deciding {Matches} matches of user {User} failed (attempt {Attempt}), retrying in {Delay}: {Error}", userMatches.Length, userId, attempt, delay, e.Message);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
            call = users.Of(userId).Decide(userMatches);
        }
    }
}
