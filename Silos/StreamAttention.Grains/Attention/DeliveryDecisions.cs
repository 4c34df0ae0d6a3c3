using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Calls;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>
/// The gateway's step between scoring and returning: gives every match an id and asks each matched user's grain
/// (one call per user, all at once) to decide its delivery, so what the caller publishes (the Kafka topics) and what
/// the user's history and live stream show are the same decisions. It runs after the scoring run, so it holds up only
/// this batch's caller, never the silo's scoring queue. A user grain that cannot answer is asked again
/// (<see cref="Attempts"/> times in all, with backoff). Then, when the cluster itself could not carry the call (a
/// timeout, a silo lost: <see cref="ClusterFailures.IsUnavailable"/>) or the grains' storage did not answer
/// (<see cref="ClusterFailures.IsStorageUnavailable"/>), the batch fails and its caller retries it (at-least-once);
/// otherwise the failure is that user's own (its grain cannot activate, its log cannot be written) and only that
/// user's matches come back <see cref="DeliveryKinds.Undecided"/> with the error, so the other users' matches go on.
/// For <see cref="FailingUserPeriod"/> after that, or until the user decides again, the user's own failure is final at
/// the first attempt: a broken user matched by many messages would otherwise hold each of their batches (everyone's
/// matches) for the retries' backoff. A user still broken after the period gets every attempt once more.
/// A user that has not answered by <see cref="DeliveryDecisionOptions.AnswerDeadline"/> while the cluster answers other
/// calls (another user of the batch, or else <see cref="IClusterProbeGrain"/>) is hung in its own grain: its matches come
/// back undecided at once, and so do its matches of later batches until that call ends (a new call would only queue
/// behind it), instead of every such batch waiting for Orleans' response timeout and failing as the cluster's failure.
/// Unless that user's grain is waiting on its storage then (<see cref="IStorageCallsExtension"/>): a Redis that answers
/// each command, but slowly, holds it, and the batch fails as when Redis does not answer, to be retried.
/// </summary>
/// <param name="attention">Its clock (<see cref="AttentionFilter.Time"/>) says when a user's failure is forgotten and when the deadline passes: the attention's time.</param>
public sealed class DeliveryDecisions(UserGrainReferences users, IGrainFactory grains, AttentionFilter attention, IOptions<DeliveryDecisionOptions> options,
    AttentionInstruments instruments, ILogger<DeliveryDecisions> logger) : IHostedService
{
    private const int Attempts = 4;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan FailingUserPeriod = TimeSpan.FromMinutes(1);

    /// <summary>The users whose decisions last failed for good (their own failure), and until when they are asked only once.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failingUsers = new(StringComparer.Ordinal);

    /// <summary>
    /// The users hung in their own grains, with the call they have not answered: not asked again until it ends. Their
    /// number is the gauge <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.AttentionHungDecisions"/>.
    /// </summary>
    private readonly UnansweredCalls _hungUsers = instruments.ObserveHungDecisions(new UnansweredCalls());

    private readonly TimeSpan _answerDeadline = options.Value.AnswerDeadline;

    /// <summary>The users of the last batch decided, to size the next one's grouping (a hint: concurrent batches may race on it).</summary>
    private int _lastBatchUsers;

    /// <summary>
    /// Nothing to start: hosted so that it is made with the silo, not at the gateway's first activation, and with it
    /// its instruments: the hung-decisions gauge and the undecided counter (at 0) are exported from the start.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The matches' decisions, in the order given.</summary>
    public async Task<BatchDecisions> DecideAsync(IReadOnlyList<(string UserId, UserMatch Match)> matches, CancellationToken cancellationToken)
    {
        var byUser = MatchesByUser.Of(matches, _lastBatchUsers);
        _lastBatchUsers = byUser.Count;
        var decided = new MatchDecision[matches.Count];
        var userMatches = new UserMatch[byUser.Count][];
        var calls = new Task<MatchDecisions>?[byUser.Count];
        var someHung = !_hungUsers.IsEmpty;
        for (var user = 0; user < calls.Length; user++)
        {
            userMatches[user] = MatchesOf(byUser.Indexes(user).Span, matches);
            if (!someHung || !_hungUsers.IsOut(byUser.UserId(user)))
            {
                calls[user] = users.Of(byUser.UserId(user)).Decide(userMatches[user]);
            }
        }
        await WaitForAnswersAsync(calls, someHung, cancellationToken);
        await ThrowIfWaitingOnStorageAsync(calls.Select((call, user) => call is { IsCompleted: false } ? byUser.UserId(user) : null).OfType<string>(), cancellationToken);
        List<(string UserId, Task<string?> Error)>? notDecided = null;
        var someFailing = !_failingUsers.IsEmpty;
        for (var user = 0; user < calls.Length; user++)
        {
            var (userId, call) = (byUser.UserId(user), calls[user]);
            if (call is { IsCompletedSuccessfully: true })
            {
                Place(call.Result, byUser.Indexes(user).Span, decided);
                if (someFailing)
                {
                    _failingUsers.TryRemove(userId, out _);
                }
            }
            else if (call is null || !call.IsCompleted)
            {
                (notDecided ??= []).Add((userId, Task.FromResult<string?>(Unanswered(userId, userMatches[user], call, byUser.Indexes(user).Span, decided))));
            }
            else
            {
                (notDecided ??= []).Add((userId, AskAgainAsync(userId, userMatches[user], call, byUser.Indexes(user), decided, cancellationToken)));
            }
        }
        if (notDecided is null)
        {
            return new BatchDecisions(decided, ReadOnlyDictionary<string, string>.Empty);
        }
        await Task.WhenAll(notDecided.Select(user => user.Error));
        var undecided = notDecided.Where(user => user.Error.Result is not null).ToDictionary(user => user.UserId, user => user.Error.Result!, StringComparer.Ordinal);
        return new BatchDecisions(decided, undecided);
    }

    /// <summary>
    /// Waits until every call has ended, or until a <see cref="_answerDeadline"/> passes with some user's answer in, or
    /// with none but the cluster answering a probe (<see cref="ClusterAnswersAsync"/>): the calls still out then are hung
    /// in their users' grains. While the probe is not answered either, the cluster (or its load) holds every call, so it
    /// waits on, a deadline at a time, until someone answers or Orleans' response timeout ends the calls. One
    /// continuation for the whole batch rather than one per user (each would be scheduled on the gateway's activation
    /// in turn); failed calls are asked again by the caller.
    /// </summary>
    private async Task WaitForAnswersAsync(Task<MatchDecisions>?[] calls, bool someHung, CancellationToken cancellationToken)
    {
        var all = someHung ? Task.WhenAll(calls.OfType<Task<MatchDecisions>>()) : Task.WhenAll(calls!);
        while (true)
        {
            try
            {
                await all.WaitAsync(_answerDeadline, attention.Time, cancellationToken);
                return;
            }
            catch (TimeoutException) when (!all.IsCompleted)
            {
                if (Array.Exists(calls, call => call is { IsCompletedSuccessfully: true }) || await ClusterAnswersAsync(cancellationToken))
                {
                    return;
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Whether the cluster answers a call within <see cref="_answerDeadline"/>, asked when none of a batch's users has:
    /// the batch's only user, or every one of them, may be held up in its own grain (each stuck in a store call of its
    /// own) while the cluster carries calls. Asked only then, so it costs nothing while users answer.
    /// </summary>
    private async Task<bool> ClusterAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<IClusterProbeGrain>(0).Answer().WaitAsync(_answerDeadline, attention.Time, cancellationToken);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("No user of a batch answered its decision within {Deadline}, nor did the cluster a probe ({Error}): waiting on", _answerDeadline, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Throws <see cref="StorageUnavailableException"/> when one of the users whose calls are still out past the deadline
    /// is waiting on its grain storage (asked of each one's activation, interleaved with that call): a Redis that answers,
    /// but slowly, holds the call, not the user's own hang, and the batch is retried as when Redis does not answer. A
    /// user whose activation cannot tell within a deadline (one still activating, or on a silo of an earlier build) is
    /// taken for hung, as before.
    /// </summary>
    private async Task ThrowIfWaitingOnStorageAsync(IEnumerable<string> stillOut, CancellationToken cancellationToken)
    {
        var asked = await Task.WhenAll(stillOut.Select(async userId => (UserId: userId, Waiting: await IsWaitingOnStorageAsync(userId, cancellationToken))));
        if (Array.Find(asked, user => user.Waiting) is { Waiting: true } waiting)
        {
            logger.LogWarning("User {User} did not answer its decision within {Deadline}, waiting on its storage (Redis): the batch fails, to be retried", waiting.UserId, _answerDeadline);
            throw new StorageUnavailableException($"User {waiting.UserId}'s grain did not answer its decision within {_answerDeadline}: it is waiting on its storage (Redis), which answers too slowly");
        }
    }

    private async Task<bool> IsWaitingOnStorageAsync(string userId, CancellationToken cancellationToken)
    {
        try
        {
            return await users.Of(userId).AsReference<IStorageCallsExtension>().IsWaitingOnStorage().WaitAsync(_answerDeadline, attention.Time, cancellationToken);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("User {User}'s grain did not tell whether it waits on its storage ({Error}): taken for hung", userId, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Places the matches of a user that did not answer by the deadline (<paramref name="call"/>, now known to hang) or
    /// was not asked (null: hung in an earlier call) undecided, and returns why.
    /// </summary>
    private string Unanswered(string userId, UserMatch[] userMatches, Task<MatchDecisions>? call, ReadOnlySpan<int> indexes, MatchDecision[] decided)
    {
        string error;
        if (call is null)
        {
            error = $"{nameof(TimeoutException)}: user {userId}'s grain has not yet answered a decision it was asked for more than {_answerDeadline} ago";
            logger.LogDebug("User {User}, hung in an earlier decision, was not asked to decide {Matches} matches: they are returned undecided", userId, userMatches.Length);
        }
        else
        {
            error = $"{nameof(TimeoutException)}: user {userId}'s grain did not answer within {_answerDeadline} while the cluster answered other calls";
            // Asked again from the first batch after that call ends.
            _hungUsers.Add(userId, call);
            logger.LogError("User {User} did not answer its decision of {Matches} matches within {Deadline} while the cluster answered other calls: they are returned undecided, and so are its matches until that call ends",
                userId, userMatches.Length, _answerDeadline);
        }
        Undecide(userMatches, indexes, decided);
        return error;
    }

    private void Undecide(UserMatch[] userMatches, ReadOnlySpan<int> indexes, MatchDecision[] decided)
    {
        for (var i = 0; i < userMatches.Length; i++)
        {
            decided[indexes[i]] = new MatchDecision(DeliveryKinds.Undecided, userMatches[i].Score);
        }
        instruments.Undecided.Add(userMatches.Length);
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
    /// error is thrown when the cluster could not carry the call or the storage did not answer, else the user's matches are placed undecided and the
    /// error is returned. A call that hangs past the deadline while the cluster answers a probe is the user's hang
    /// (<see cref="Unanswered"/>), unless the user waits on its storage then (the batch fails).
    /// </summary>
    private async Task<string?> AskAgainAsync(string userId, UserMatch[] userMatches, Task<MatchDecisions> failed, ReadOnlyMemory<int> indexes,
        MatchDecision[] decided, CancellationToken cancellationToken)
    {
        var call = failed;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            // The batch's wait, for this one call: still out then, it hangs in the user's grain or waits on its storage.
            await WaitForAnswersAsync([call], someHung: false, cancellationToken);
            if (!call.IsCompleted)
            {
                await ThrowIfWaitingOnStorageAsync([userId], cancellationToken);
                return Unanswered(userId, userMatches, call, indexes.Span, decided);
            }
            try
            {
                Place(await call, indexes.Span, decided);
                _failingUsers.TryRemove(userId, out _);
                return null;
            }
            catch (Exception e) when (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The grains' storage not answering (also as the user's activation met it) is every user's failure, not
                // this one's: transient, as the cluster's.
                var unavailable = ClusterFailures.IsUnavailable(e) || ClusterFailures.IsStorageUnavailable(e);
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
                    Undecide(userMatches, indexes.Span, decided);
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
