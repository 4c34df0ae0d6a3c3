using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Calls;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// The ingest's client of the silos' scoring gateway (<see cref="IScoringGatewayGrain"/>). It scores a batch with
/// one call per scope (everyone, or one user) and kind (text, or pre-embedded), so the silos embed each text once.
/// Failures by kind (the retries: <see cref="ScoringCallRetries"/>):
/// <list type="bullet">
/// <item>busy (a silo's scoring queue is full): the call waits and is tried again without limit, and <see cref="Busy"/>
/// tells the consume loop to pause its partitions until scoring has room;</item>
/// <item>unavailable (a silo lost, shards moving, a timeout, a grain's storage not answering): retried with backoff until
/// <see cref="KafkaIngestOptions.ScoringRetryTimeout"/>, then the batch fails and the consumer restarts from its
/// committed offsets;</item>
/// <item>anything else (the silos refused the messages): tried <see cref="KafkaIngestOptions.ScoringAttempts"/> times,
/// then the messages are split in halves, each scored again, down to the single messages that fail, which are
/// reported (and dead-lettered as <c>scoring-failed</c>); the others are scored.</item>
/// </list>
/// </summary>
public sealed class ScoringGatewayClient(IGrainFactory grains, IOptions<KafkaIngestOptions> options, TimeProvider time, ILogger<ScoringGatewayClient> logger)
{
    private readonly ScoringCallRetries _retries = new(options, time, logger);

    private readonly ScoringCallDeadline _deadline = new(options.Value.ScoringCallDeadlineFloor);

    /// <summary>The users whose interests check has not answered within <see cref="IngestTenancyOptions.UserCheckTimeout"/>, with that check: not asked again until it ends.</summary>
    private readonly UnansweredCalls _checksOut = new();

    /// <summary>Whether some call is waiting because a silo's scoring queue was full.</summary>
    public bool Busy => _retries.Busy;

    /// <summary>The outcome of each message, in the order of <paramref name="messages"/>.</summary>
    public async Task<ScoringOutcome[]> ScoreAsync(IReadOnlyList<IngestMessage> messages, CancellationToken cancellationToken)
    {
        var outcomes = new ScoringOutcome[messages.Count];
        var groups = messages.Select((message, index) => (message, index))
            .GroupBy(item => (item.message.Tenant, item.message.UserKey, Embedded: item.message.Embedding is not null, item.message.ReplayedForItsUser, item.message.DeadLetteredAfter, item.message.DeadLetteredFor))
            .Select(group => group.ToArray());
        await Task.WhenAll(groups.Select(group => ScoreIsolatingAsync(group, outcomes, cancellationToken)));
        return outcomes;
    }

    /// <summary>
    /// Where the live feed's erasures stand, taken right before a batch's scoring (<see cref="ErasedAfterAsync"/>). Both
    /// are retried as a scoring call's unavailability is: the feed grain's activation reads its stored erasures, so a
    /// storage that does not answer is waited for too, not failed after <see cref="KafkaIngestOptions.ScoringAttempts"/> (a restart).
    /// </summary>
    public Task<ErasureMark> ErasureMarkAsync(CancellationToken cancellationToken)
        => _retries.ExecuteAsync(token => grains.GetGrain<IMatchFeedGrain>(0).CurrentErasureMark().WaitAsync(token), ScoringFailures.IsUnavailable, cancellationToken);

    /// <summary>
    /// The users the live feed was told erased after <paramref name="mark"/> and still remembers (<c>LiveFeed:ErasureMemory</c>).
    /// A handful at most: those erased while a batch waited.
    /// </summary>
    public Task<IReadOnlyList<string>> ErasedAfterAsync(ErasureMark mark, CancellationToken cancellationToken)
        => _retries.ExecuteAsync(token => grains.GetGrain<IMatchFeedGrain>(0).ErasedAfter(mark).WaitAsync(token), ScoringFailures.IsUnavailable, cancellationToken);

    /// <summary>The embedder's dimension, which format Vectors checks messages against.</summary>
    public Task<int> GetEmbeddingDimensionAsync(CancellationToken cancellationToken)
        => _retries.ExecuteAsync(token => grains.GetGrain<IScoringGatewayGrain>(ScoringGatewayKeys.Stream).GetEmbeddingDimension().WaitAsync(token), ScoringFailures.IsUnavailable, cancellationToken);

    /// <summary>Scores messages of one scope and kind; if they keep failing, bisects them to isolate the ones that fail.</summary>
    private async Task ScoreIsolatingAsync((IngestMessage Message, int Index)[] items, ScoringOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var replay = items[0].Message is { UserKey: { } replayedFor, ReplayedForItsUser: true } replayed ? (User: replayedFor, Message: replayed) : default;
        var incarnation = replay.Message?.DeadLetteredFor is null ? default
            : await AskUserAsync(replay.User, user => user.GetIncarnation(), "incarnation", "its replayed messages are dead-lettered again as they are", cancellationToken);
        if (incarnation is { Answered: false, Error: { } error })
        {
            // Not scored without knowing whose they are: an erased user's dead letter must not reach a user created
            // again, and the user's own (its headers kept) reaches it from a later replay.
            foreach (var item in items)
            {
                outcomes[item.Index] = ScoringOutcome.Failed($"the user's incarnation could not be read: {error}", DeadLetterReasons.DecisionFailed);
            }
            return;
        }
        if (replay.Message is not null && await WasErasedAsync(replay.User, replay.Message, incarnation.Value, cancellationToken))
        {
            foreach (var item in items)
            {
                // Neither the user's key nor the text: the log is no copy of what the erasure removed.
                logger.LogWarning("Replayed message {Id} (first read at {Origin}) is for a user erased since: not scored, no dead letter written again", item.Message.Id, item.Message.Origin);
                outcomes[item.Index] = ScoringOutcome.Skipped(IngestInstruments.UserErased);
            }
            return;
        }
        if (items[0].Message.UserKey is { } userKey && options.Value.Tenancy.RejectUnknownUsers && await HasNoInterestsAsync(userKey, cancellationToken))
        {
            foreach (var item in items)
            {
                outcomes[item.Index] = ScoringOutcome.Failed($"user '{userKey}' has no interests", DeadLetterReasons.UnknownUser);
            }
            return;
        }
        IReadOnlyList<TextMatch> results;
        try
        {
            results = await _retries.ExecuteAsync(token => WithinDeadlineAsync(items.Select(item => item.Message).ToArray(), token), ScoringFailures.IsUnavailable, cancellationToken);
        }
        catch (Exception e) when (!ScoringFailures.IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            if (items.Length == 1)
            {
                logger.LogWarning("Scoring message {Id} failed for good: {Error}", items[0].Message.Id, e.Message);
                outcomes[items[0].Index] = ScoringOutcome.Failed($"{e.GetType().Name}: {e.Message}");
                return;
            }
            logger.LogWarning("Scoring {Messages} messages failed for good ({Error}); scoring each half alone", items.Length, e.Message);
            var half = items.Length / 2;
            await Task.WhenAll(ScoreIsolatingAsync(items[..half], outcomes, cancellationToken), ScoreIsolatingAsync(items[half..], outcomes, cancellationToken));
            return;
        }
        // Each message's list at its size: at 100,000 interests a message has hundreds of matches.
        var counts = new int[items.Length];
        foreach (var match in results)
        {
            counts[match.TextIndex]++;
        }
        var matches = counts.Select(count => new List<TextMatch>(count)).ToArray();
        foreach (var match in results)
        {
            matches[match.TextIndex].Add(match);
        }
        for (var i = 0; i < items.Length; i++)
        {
            outcomes[items[i].Index] = ScoringOutcome.Scored(matches[i]);
        }
    }

    /// <summary>
    /// Whether the user a dead letter was written for was erased since. With the dead letter's incarnation
    /// (<see cref="IngestMessage.DeadLetteredFor"/>): the user's incarnation is another (erased, and created again or not:
    /// an erasure removes the incarnation with the rest, so nothing of the erased user is kept to tell this). Without
    /// one (a dead letter written before incarnations, or for a user that had none): the live feed remembers its erasure
    /// told after the dead letter's erasure mark (<c>LiveFeed:ErasureMemory</c>; after that, a user created again since
    /// receives it). Either way also when the user has no interests (nothing could match it either).
    /// </summary>
    private async Task<bool> WasErasedAsync(string userKey, IngestMessage replay, Guid currentIncarnation, CancellationToken cancellationToken)
        => (replay.DeadLetteredFor is { } written
                ? currentIncarnation != written
                : (await ErasedAfterAsync(replay.DeadLetteredAfter ?? ErasureMark.BeforeAny, cancellationToken)).Contains(userKey, StringComparer.Ordinal))
            || await HasNoInterestsAsync(userKey, cancellationToken);

    /// <summary>
    /// Whether the user is known to have no interests. A user whose own grain keeps failing (it cannot activate) or does
    /// not answer within <see cref="IngestTenancyOptions.UserCheckTimeout"/> (hung in a call of its own) is scored
    /// anyway, so its messages reach the silos, where that user's decisions fail for it alone (<c>decision-failed</c>),
    /// rather than holding up the stream; only the cluster's unavailability is waited out, within that time.
    /// </summary>
    private async Task<bool> HasNoInterestsAsync(string userKey, CancellationToken cancellationToken)
        => await AskUserAsync(userKey, user => user.GetInterests(), "interests", "its messages are scored without the check", cancellationToken)
            is { Answered: true, Value.Count: 0 };

    /// <summary>
    /// Asks the user's grain (<paramref name="what"/> it answers), waiting out only the cluster's unavailability, within
    /// <see cref="IngestTenancyOptions.UserCheckTimeout"/>. Not answered: the grain failed for its own reasons, or did not
    /// answer in time (then no call to it is made until that one ends), or such a call is still out; the warning logged
    /// says what follows (<paramref name="unansweredThen"/>).
    /// </summary>
    private async Task<UserAnswer<T>> AskUserAsync<T>(string userKey, Func<IUserGrain, Task<T>> ask, string what, string unansweredThen, CancellationToken cancellationToken)
    {
        if (_checksOut.IsOut(userKey))
        {
            logger.LogDebug("A call to user {User} has not answered yet; its {What} is not read: {Then}", userKey, what, unansweredThen);
            return new(false, default, "an earlier call to the grain has not answered yet");
        }
        var check = _retries.ExecuteAsync(token => ask(grains.GetGrain<IUserGrain>(userKey)).WaitAsync(token), ClusterFailures.IsUnavailable, cancellationToken);
        var timeout = options.Value.Tenancy.UserCheckTimeout;
        try
        {
            return new(true, await check.WaitAsync(timeout, time, cancellationToken), null);
        }
        catch (TimeoutException) when (!check.IsCompleted)
        {
            _checksOut.Add(userKey, check);
            logger.LogWarning("User {User} did not give its {What} within {Timeout}; until that call ends, {Then}", userKey, what, timeout, unansweredThen);
            return new(false, default, $"not read within {timeout}");
        }
        catch (Exception e) when (!ClusterFailures.IsUnavailable(e) && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("User {User} could not give its {What} ({Error}); {Then}", userKey, what, e.Message, unansweredThen);
            return new(false, default, e.Message);
        }
    }

    /// <summary>What a user's grain answered (<see cref="Value"/>), or why it did not (<see cref="Error"/>).</summary>
    private readonly record struct UserAnswer<T>(bool Answered, T? Value, string? Error);

    /// <summary>
    /// The call, given up with a <see cref="TimeoutException"/> (retried as the cluster's unavailability is) once it has
    /// waited the <see cref="ScoringCallDeadline"/> as it is then, not as it was when the call began: another call's
    /// give-up meanwhile raised it, and the calls in flight with it wait on to the raised deadline rather than being
    /// given up, and asked again, at the old one. The silo's queued work for a call given up is dropped with its
    /// cancelled token.
    /// </summary>
    private async Task<IReadOnlyList<TextMatch>> WithinDeadlineAsync(IngestMessage[] messages, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = time.GetTimestamp();
        var call = Call(messages, attempt.Token);
        while (true)
        {
            try
            {
                var results = await call.WaitAsync(_deadline.LeftFor(time.GetElapsedTime(started)), time, cancellationToken);
                _deadline.Answered(time.GetElapsedTime(started));
                return results;
            }
            catch (TimeoutException) when (!call.IsCompleted)
            {
                var waited = time.GetElapsedTime(started);
                if (_deadline.TryGiveUp(waited))
                {
                    await attempt.CancelAsync();
                    throw new TimeoutException($"The scoring call did not answer within {waited.TotalSeconds:0.#} s (three times the slowest recent call, at least Ingest:ScoringCallDeadlineFloor)");
                }
            }
        }
    }

    private Task<IReadOnlyList<TextMatch>> Call(IngestMessage[] messages, CancellationToken cancellationToken)
    {
        var gateway = grains.GetGrain<IScoringGatewayGrain>(ScoringGatewayKeys.Stream);
        var texts = messages.Select(m => m.Text).ToArray();
        var origins = messages.Select(m => m.Origin).ToArray();
        var ids = messages.Select(m => m.Id).ToArray();
        var (userKey, tenant) = (messages[0].UserKey, messages[0].Tenant);
        return messages[0].Embedding is null
            ? gateway.Score(texts, userKey, tenant, origins, ids, cancellationToken)
            : gateway.ScoreEmbedded(messages.Select(m => m.Embedding!).ToArray(), texts, userKey, tenant, origins, ids, cancellationToken);
    }
}

/// <summary>
/// A message's matches, or why it becomes a dead letter (<see cref="Error"/>, and <see cref="Reason"/>, one of
/// <see cref="DeadLetterReasons"/>), or why it was not scored and leaves nothing (neither, <see cref="Reason"/> one of
/// the skipped outcome's reasons, <see cref="IngestInstruments.UserErased"/>).
/// </summary>
public readonly record struct ScoringOutcome(List<TextMatch>? Matches, string? Error, string? Reason)
{
    public static ScoringOutcome Skipped(string reason) => new(null, null, reason);

    public static ScoringOutcome Scored(List<TextMatch> matches) => new(matches, null, null);

    public static ScoringOutcome Failed(string error, string reason = DeadLetterReasons.ScoringFailed) => new(null, error, reason);
}
