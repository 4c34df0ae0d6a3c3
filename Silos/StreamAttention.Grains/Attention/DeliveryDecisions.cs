using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Microsoft.Extensions.Logging;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The gateway's step between scoring and returning: gives every match an id and asks each matched user's grain
/// (one call per user, all at once) to decide its delivery, so what the caller publishes (the Kafka topics) and what
/// the user's history and live stream show are the same decisions. It runs after the scoring run, so it holds up only
/// this batch's caller, never the silo's scoring queue. A user grain that cannot answer is asked again
/// (<see cref="Attempts"/> times in all, with backoff). Then, when the cluster itself could not carry the call (a
/// timeout, a silo lost: <see cref="ClusterFailures.IsUnavailable"/>), the batch fails and its caller retries it (at-least-once);
/// otherwise the failure is that user's own (its grain cannot activate, its log cannot be written) and only that
/// user's matches come back <see cref="DeliveryKinds.Undecided"/> with the error, so the other users' matches go on.
/// For <see cref="FailingUserPeriod"/> after that, or until the user decides again, the user's own failure is final at
/// the first attempt: a broken user matched by many messages would otherwise hold each of their batches (everyone's
/// matches) for the retries' backoff. A user still broken after the period gets every attempt once more.
/// </summary>
/// <param name="attention">Its clock (<see cref="AttentionFilter.Now"/>) says when a user's failure is forgotten: the attention's time.</param>
public sealed class DeliveryDecisions(UserGrainReferences users, AttentionFilter attention, AttentionInstruments instruments, ILogger<DeliveryDecisions> logger)
{
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FailingUserPeriod = TimeSpan.FromMinutes(1);

    /// <summary>The users whose decisions last failed for good (their own failure), and until when they are asked only once.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failingUsers = new(StringComparer.Ordinal);

    /// <summary>The users of the last batch decided, to size the next one's grouping (a hint: concurrent batches may race on it).</summary>
    private int _lastBatchUsers;

    /// <summary>The matches' decisions, in the order given.</summary>
    public async Task<BatchDecisions> DecideAsync(IReadOnlyList<(string UserId, UserMatch Match)> matches, CancellationToken cancellationToken)
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
        List<(string UserId, Task<string?> Error)>? retries = null;
        // Read once a batch: an empty ConcurrentDictionary answers IsEmpty only after taking all its locks.
        var someFailing = !_failingUsers.IsEmpty;
        for (var user = 0; user < calls.Length; user++)
        {
            if (calls[user].IsCompletedSuccessfully)
            {
                Place(calls[user].Result, byUser.Indexes(user).Span, decided);
                if (someFailing)
                {
                    _failingUsers.TryRemove(byUser.UserId(user), out _);
                }
            }
            else
            {
                var userId = byUser.UserId(user);
                (retries ??= []).Add((userId, AskAgainAsync(userId, userMatches[user], calls[user], byUser.Indexes(user), decided, cancellationToken)));
            }
        }
        if (retries is null)
        {
            return new BatchDecisions(decided, ReadOnlyDictionary<string, string>.Empty);
        }
        await Task.WhenAll(retries.Select(retry => retry.Error));
        var undecided = retries.Where(retry => retry.Error.Result is not null).ToDictionary(retry => retry.UserId, retry => retry.Error.Result!, StringComparer.Ordinal);
        return new BatchDecisions(decided, undecided);
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

    /// <summary>
    /// Asks one user again after its first call failed, until it answers (null) or the attempts are spent: then the last
    /// error is thrown when the cluster could not carry the call, else the user's matches are placed undecided and the
    /// error is returned.
    /// </summary>
    private async Task<string?> AskAgainAsync(string userId, UserMatch[] userMatches, Task<MatchDecisions> failed, ReadOnlyMemory<int> indexes,
        MatchDecision[] decided, CancellationToken cancellationToken)
    {
        var call = failed;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Place(await call, indexes.Span, decided);
                _failingUsers.TryRemove(userId, out _);
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var unavailable = ClusterFailures.IsUnavailable(e);
                var known = !unavailable && KnownToFail(userId);
                if (attempt == Attempts || known)
                {
                    if (unavailable)
                    {
                        throw;
                    }
                    if (known)
                    {
                        // A broken user matched by many messages would otherwise log an error for each batch.
                        logger.LogDebug("Deciding {Matches} matches of user {User}, known to fail, failed again: they are returned undecided: {Error}", userMatches.Length, userId, e.Message);
                    }
                    else
                    {
                        // Not extended by the failures that follow: a user still broken after the period is asked every
                        // attempt once more (and logged again), once a period.
                        _failingUsers[userId] = attention.Now + FailingUserPeriod;
                        logger.LogError(e, "Deciding {Matches} matches of user {User} failed {Attempts} times: they are returned undecided, and for {Period} its failures are final at the first attempt (logged at debug level) unless it decides again",
                            userMatches.Length, userId, attempt, FailingUserPeriod);
                    }
                    for (var i = 0; i < userMatches.Length; i++)
                    {
                        decided[indexes.Span[i]] = new MatchDecision(DeliveryKinds.Undecided, userMatches[i].Score);
                    }
                    instruments.Undecided.Add(userMatches.Length);
                    return $"{e.GetType().Name}: {e.Message}";
                }
                logger.LogWarning("Deciding {Matches} matches of user {User} failed (attempt {Attempt}), retrying in {Delay}: {Error}", userMatches.Length, userId, attempt, delay, e.Message);
            }
            await Task.Delay(delay, cancellationToken);
            delay *= 2;
            call = users.Of(userId).Decide(userMatches);
        }
    }

    /// <summary>Whether the user's decisions failed for good within the last <see cref="FailingUserPeriod"/>.</summary>
    private bool KnownToFail(string userId)
    {
        if (!_failingUsers.TryGetValue(userId, out var until))
        {
            return false;
        }
        if (until > attention.Now)
        {
            return true;
        }
        _failingUsers.TryRemove(KeyValuePair.Create(userId, until));
        return false;
    }
}

/// <summary>A batch's decisions in the order of its matches, and why each user whose matches are <see cref="DeliveryKinds.Undecided"/> could not decide.</summary>
public sealed record BatchDecisions(MatchDecision[] Decisions, IReadOnlyDictionary<string, string> UndecidedUsers);
