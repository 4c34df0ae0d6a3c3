using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Cluster;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's interests (persisted) and recent matches (in memory only). The interests' embeddings are not kept: the
/// shard holds what scoring needs, and a shard rebuilding itself gets them embedded again (cheap for static vectors);
/// what the embedder's query expansion added (models run per interest) is stored in a record of its own
/// (<see cref="UserExpansionStore"/>), read back when rows are built or interests written and not held in between.
/// A write embeds first, registers the user with its shard before the user's
/// first interest is persisted (so a shard rebuilding itself always finds every user with interests), registers the
/// publish reminder (so a silo lost from here on leaves a durable retry), persists all accepted inputs in one write, and
/// only then publishes them to the shard.
/// It also applies the user's delivery policy (<see cref="AttentionFilter"/>) to every new match, keeps the matches
/// waiting for a digest in its persisted state (what a decision adds goes to the <see cref="AttentionLog"/>, every other
/// write folds the log into the whole state), and forms the digests when its reminder finds one due.
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
[GrainType(GrainTypeName), ClusterContract]
public sealed partial class UserGrain(
    [PersistentState(UserGrain.StateName, StorageNames.Interests)] IPersistentState<UserInterestsState> state,
    [FromKeyedServices(StorageNames.Interests)] IGrainStorage storage,
    InterestEmbedder embedder,
    InterestValidator validator,
    IOptions<ShardingOptions> sharding,
    IOptions<ScoringOptions> scoring,
    TimeProvider time,
    AttentionFilter filter,
    AttentionInstruments metrics,
    IEnumerable<IDigestSink> sinks,
    ILogger<UserGrain> logger) : Grain, IUserGrain, IRemindable
{
    public const string GrainTypeName = "user";

    /// <summary>The name of the user's state (<see cref="UserInterestsState"/>), part of its record's key.</summary>
    public const string StateName = "user";

    /// <summary>The reminder that checks for a due digest while matches wait for one (or a digest waits to be sent).</summary>
    public const string DigestReminder = "digest";

    /// <summary>
    /// The reminder that sends the rows again while the shard has not taken the state last written: unlike the
    /// <see cref="PublishRetry"/> timer it outlives the activation (its silo lost), and it is removed once the shard took them.
    /// Registered before the write (<see cref="EnsurePublishReminderAsync"/>): a silo lost after storing the change but
    /// before its publish answered leaves it too.
    /// </summary>
    public const string PublishReminder = "publish";

    /// <summary>Orleans reminders tick at most once a minute, so a digest goes out at most this late.</summary>
    public static readonly TimeSpan DigestCheckPeriod = TimeSpan.FromMinutes(1);

    private readonly RecentMatches _history = new(validator.Limits.MatchHistorySize, validator.Limits.HeldBackHistorySize);

    /// <summary>The verdict last given on each match of the history that had feedback (👍 true), so the same one twice counts once.</summary>
    private readonly Dictionary<string, bool> _verdicts = new(StringComparer.Ordinal);

    /// <summary><see cref="RecentMatches.TextOf"/> of <see cref="_history"/>, one delegate for every decision.</summary>
    private Func<MatchKey, string?>? _textOf;
    private bool _reminderRegistered;

    /// <summary>Set by <see cref="Erase"/>: the user's records are gone, and this activation's deactivation writes none back.</summary>
    private bool _erased;
    private AttentionLog? _log;

    /// <summary>
    /// How many digests of the outbox no whole-state write has stored yet (their write failed): not sent until one has, and
    /// counted (<see cref="AttentionInstruments.Digests"/>) by the write that stores them, so each once.
    /// </summary>
    private int _digestsUnwritten;

    /// <summary>How often rows the shard did not take are sent again (<see cref="PublishAsync"/>).</summary>
    private static readonly TimeSpan PublishRetry = TimeSpan.FromSeconds(2);

    /// <summary>Sends the rows again while the shard has not taken the state last written; null when it has.</summary>
    private IGrainTimer? _publishRetry;

    /// <summary>Whether this activation registered <see cref="PublishReminder"/>, or was woken by it, and has not removed it.</summary>
    private bool _publishReminderRegistered;

    /// <summary>
    /// <see cref="PublishReminder"/> as this activation registered it, which removes it without reading it back; null
    /// when woken by its tick (there is no handle then) or once a removal found it registered again since.
    /// </summary>
    private IGrainReminder? _publishReminder;

    /// <summary>
    /// The state last written, with the feedback it was written with, while <see cref="CommitAsync"/> writes the next one
    /// (null otherwise): what <see cref="GetScoringRows"/>, interleaving with that write, reads, since the write may yet
    /// fail. The feedback is taken apart because both states hold the one attention state, which the write carries.
    /// </summary>
    private (UserInterestsState State, Dictionary<string, FeedbackState> Feedback)? _committedWhileWriting;

    /// <summary>
    /// The incarnation <see cref="WriteStateAsync"/> made and is storing (<see cref="Guid.Empty"/>: none): not the
    /// user's until stored (a failed write leaves none, and the next write makes another), so
    /// <see cref="GetScoringRows"/>, interleaving with that write, leaves it out of the rows a shard would keep.
    /// </summary>
    private Guid _incarnationWriting;

    /// <summary>Expansions a rebuild computed again (none stored under the embedder's key), by text, until a write stores them.</summary>
    private Dictionary<string, StoredExpansion>? _unwritten;

    private string UserId => this.GetPrimaryKeyString();

    /// <summary>The tenant of a "tenant/user" key, or the grain of the users without a tenant: whose quotas the user's writes count against.</summary>
    private ITenantGrain Tenant => GrainFactory.GetGrain<ITenantGrain>(Ids.TenantGrainKeyOf(UserId));

    private IScoringShardGrain Shard => GrainFactory.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(UserId, sharding.Value.ShardCount));

    private AttentionLog Log => _log ?? throw new InvalidOperationException("The attention log is read on activation.");

    private UserExpansionStore ExpansionStore => new(storage, this.GetGrainId());

    /// <summary>The storage, when it stores again records Redis lost (Redis storage): it says which of the user's it did.</summary>
    private readonly IKnowsRecordsWrittenAgain? _writtenAgain = storage as IKnowsRecordsWrittenAgain;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _log = new AttentionLog(storage, this.GetGrainId());
        state.State.Attention.OrderByTime();
        await _log.ReplayAsync(state.State.Attention);
        // Reminders are durable, but registering again is cheap and covers a reminder table that lost it.
        await EnsureDigestReminderAsync();
    }

    public async Task<InterestWriteResult> PutInterests(IReadOnlyList<InterestInput> inputs, IReadOnlyList<EmbeddedText>? embeddings = null,
        IReadOnlyList<StoredExpansion?>? expansions = null)
    {
        if (embeddings is not null && (embeddings.Count != inputs.Count || embeddings.Any(e => !e.HasShape(embedder.Dimension))))
        {
            // A malformed row would fail every scoring run of its shard's silo, not just this user's.
            throw new ArgumentException($"Expected {inputs.Count} embeddings of dimension {embedder.Dimension}.", nameof(embeddings));
        }
        if (expansions is not null && (embeddings is null || expansions.Count != inputs.Count))
        {
            throw new ArgumentException($"Expected {inputs.Count} expansions, with the embeddings they were applied to.", nameof(expansions));
        }
        var errors = new List<InterestError>();
        var valid = new List<int>();
        for (var i = 0; i < inputs.Count; i++)
        {
            if (validator.Validate(inputs[i], i) is { } error)
            {
                errors.Add(error);
            }
            else
            {
                valid.Add(i);
            }
        }
        // Read before the write it precedes (its etag), and so that an unchanged text reuses its stored expansion.
        var kept = await ExpansionStore.ReadAsync();
        var found = valid.Select(i => embeddings is null ? KeptExpansion(state.State, inputs[i].Id, inputs[i].Text, kept.ByText) : expansions?[i]).ToArray();
        var rows = embeddings is null ? embedder.Embed(valid.Select(i => inputs[i].Text).ToArray(), found) : valid.Select(i => embeddings[i]).ToArray();

        var current = state.State.Interests;
        var accepted = new Dictionary<string, (InterestInput Input, EmbeddedText Row, StoredExpansion? Expansion)>();
        var added = 0;
        for (var v = 0; v < valid.Count; v++)
        {
            var (index, input, row) = (valid[v], inputs[valid[v]], rows[v]);
            if (row.Tokens.Length == 0)
            {
                errors.Add(new InterestError(index, "text", $"none of the words of the text is known to the embedder {embedder.Name}, so it could never match"));
            }
            else if (accepted.ContainsKey(input.Id))
            {
                errors.Add(new InterestError(index, "id", $"interest id '{input.Id}' appears more than once in this write"));
            }
            else if (!current.ContainsKey(input.Id) && current.Count + added >= validator.Limits.MaxInterestsPerUser)
            {
                errors.Add(new InterestError(index, "id", $"the user already has the maximum of {validator.Limits.MaxInterestsPerUser} interests"));
            }
            else
            {
                added += current.ContainsKey(input.Id) ? 0 : 1;
                accepted[input.Id] = (input, row, found[v]);
            }
        }
        if (accepted.Count == 0)
        {
            return new InterestWriteResult([], errors.OrderBy(e => e.Index).ToArray());
        }
        if (added > 0 && await Tenant.Reserve(UserId, current.Count + added) is { } quota)
        {
            errors.AddRange(valid.Where(i => accepted.TryGetValue(inputs[i].Id, out var kept) && ReferenceEquals(kept.Input, inputs[i]))
                .Select(i => new InterestError(i, InterestError.QuotaField, quota)));
            return new InterestWriteResult([], errors.OrderBy(e => e.Index).ToArray());
        }

        // The shard may know a newer version than the state (an erasure cleared it): the write goes above it.
        var shardNewest = current.Count == 0 ? await Shard.Register(UserId) : 0;
        var now = time.GetUtcNow();
        var next = new Dictionary<string, StoredInterest>(current);
        var stored = new List<StoredInterest>(accepted.Count);
        foreach (var (id, (input, _, _)) in accepted)
        {
            var interest = new StoredInterest(id, input.Text, input.Threshold, current.TryGetValue(id, out var old) ? old.Created : now, now,
                KeywordRules.Normalize(input.Require), KeywordRules.Normalize(input.Exclude));
            next[id] = interest;
            stored.Add(interest);
        }
        await EnsurePublishReminderAsync();
        var written = await CommitAsync(next, read: kept, written: accepted.ToDictionary(a => a.Key, a => a.Value.Expansion), versionAbove: shardNewest);
        await PublishAsync(accepted.ToDictionary(a => a.Key, a => a.Value.Row), written);
        return new InterestWriteResult(stored, errors.OrderBy(e => e.Index).ToArray());
    }

    public async Task<bool> DeleteInterest(string interestId)
    {
        if (!state.State.Interests.ContainsKey(interestId))
        {
            return false;
        }
        var next = new Dictionary<string, StoredInterest>(state.State.Interests);
        next.Remove(interestId);
        // Its feedback goes with it: an interest written again under the id starts from its own threshold.
        var feedback = new Dictionary<string, FeedbackState>(state.State.Attention.Feedback);
        feedback.Remove(interestId);
        await EnsurePublishReminderAsync();
        var written = await CommitAsync(next, feedback);
        await PublishAsync([], written);
        try
        {
            // Feedback goes with its interest; digest state left (matches waiting, digests formed) is not counted.
            await (next.Count == 0 && state.State.Policy is null ? Tenant.Remove(UserId) : Tenant.Release(UserId, next.Count));
        }
        catch (Exception e)
        {
            // The delete is stored, so it does not fail for this (its retry would answer that the interest is gone):
            // the tenant's count stays high, as after a failed write, until the user's next write or delete sets it.
            LogReleaseFailed(UserId, e);
        }
        return true;
    }

    public Task<StoredInterest?> GetInterest(string interestId)
        => Task.FromResult(state.State.Interests.GetValueOrDefault(interestId));

    public Task<IReadOnlyList<StoredInterest>> GetInterests()
        => Task.FromResult<IReadOnlyList<StoredInterest>>(state.State.Interests.Values.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray());

    public async Task<UserScoringRows> GetScoringRows()
    {
        // Taken before the read: the rows and their version come from one state, whatever a write does meanwhile.
        var (committed, feedback) = _committedWhileWriting ?? (state.State, state.State.Attention.Feedback);
        var rows = CommittedRows(committed, feedback, [], committed.Interests.Count == 0 ? [] : (await ExpansionStore.ReadAsync()).ByText);
        return _incarnationWriting != Guid.Empty && rows.Incarnation == _incarnationWriting ? rows with { Incarnation = Guid.Empty } : rows;
    }

    public async Task<MatchDecisions> Decide(IReadOnlyList<UserMatch> matches)
    {
        var policy = state.State.Policy ?? DeliveryPolicy.Default;
        var attention = state.State.Attention;
        var decided = new MatchDecision[matches.Count];
        Span<int> decidedPerKind = stackalloc int[DeliveryKinds.All.Count];
        for (var i = 0; i < matches.Count; i++)
        {
            if (!state.State.Interests.ContainsKey(matches[i].InterestId))
            {
                // Scored before its interest was removed or its user erased: recording it would bring back what was removed.
                decided[i] = new MatchDecision(DeliveryKinds.Withdrawn, matches[i].Score);
                continue;
            }
            // A batch retried after a failure brings the same ids: they keep the decision they got.
            var key = MatchKey.Of(matches[i].MatchId);
            if (_history.FindDecision(key) is { } earlier)
            {
                decided[i] = earlier;
                continue;
            }
            var match = WithFeedbackPenalty(matches[i]);
            decided[i] = match.Score < ThresholdOf(match.InterestId) ? new MatchDecision(DeliveryKinds.BelowThreshold, match.Score) : filter.Decide(match, policy, attention, _textOf ??= _history.TextOf);
            _history.Add(key, match, decided[i]);
            decidedPerKind[AttentionInstruments.KindIndex(decided[i].Delivery)]++;
        }
        metrics.AddDecisions(decidedPerKind);
        // Written only when the digest gets a new line (a listed match, a repeated original, an interest only counted; now
        // or since a write that failed): that must survive a lost silo. The rate-limit times, fingerprints and counts
        // are written with it; a lost silo forgets the ones since, so at worst it notifies again or its digest counts
        // fewer "more" and repeats.
        if (attention.UnwrittenLists)
        {
            await WriteAttentionAsync();
        }
        await EnsureDigestReminderAsync();
        return new MatchDecisions(decided);
    }

    /// <summary>What decisions added since the last write, as the next log entry, or in the whole state once the log is full.</summary>
    private async Task WriteAttentionAsync()
    {
        var attention = state.State.Attention;
        if (Log.IsFull)
        {
            await WriteStateAsync();
        }
        else
        {
            await Log.AppendAsync(attention.Unwritten());
            attention.MarkWritten();
        }
    }

    /// <summary>
    /// A deactivation that can still write keeps what no write has carried yet: the counts of unlisted matches, and the
    /// notification times and fingerprints of immediate decisions (a rolling upgrade stops every silo once: without them
    /// each user was notified again of what it had just been, and its rate limit started over). One that
    /// collects a user gone idle (or evicted under memory pressure) folds the log into the whole state, so the user's next
    /// activation reads one record instead of up to <see cref="AttentionLog.MaxEntries"/> more; a shutdown does not, as
    /// every user deactivates at once there and the next activation reads the log as it would after a crash. Any
    /// deactivation tries once more to remove the entries whose removal failed. A shutdown with memory storage, and an
    /// erased user's deactivation, write nothing.
    /// </summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Orleans' memory storage keeps states in grains that a stopping silo deactivates alongside this one: a write on
        // the way out would fail (with errors logged), and nothing written there outlives the process anyway.
        if (_erased || _log is null || reason.ReasonCode == DeactivationReasonCode.ShuttingDown && storage is MemoryGrainStorage)
        {
            return;
        }
        var collected = reason.ReasonCode is DeactivationReasonCode.ActivationIdle or DeactivationReasonCode.HighMemoryPressure;
        if (state.State.Attention.HasUnwritten() || collected && _log.HasEntries)
        {
            try
            {
                await (collected ? WriteStateAsync() : WriteAttentionAsync());
            }
            catch (Exception e)
            {
                LogAttentionNotWritten(e);
            }
        }
        if (!collected)
        {
            // Entries that a whole-state write holds but whose removal failed: removed now rather than left for the next
            // activation to find (the state's LogOldest). (A fold just tried.)
            try
            {
                await _log.RemoveBeforeAsync(state.State.Attention.LogStart);
            }
            catch (Exception e)
            {
                LogEntriesNotRemoved(e);
            }
        }
    }

    public Task<DeliveryPolicy> GetPolicy() => Task.FromResult(state.State.Policy ?? DeliveryPolicy.Default);

    public async Task<IReadOnlyList<InterestError>> PutPolicy(DeliveryPolicy policy)
    {
        var errors = DeliveryPolicyValidator.Validate(policy);
        if (errors.Count > 0)
        {
            return errors;
        }
        // A policy alone makes a user the tenant counts (the count stays high should the write fail, as an interest's does).
        if (await Tenant.Reserve(UserId, state.State.Interests.Count) is { } quota)
        {
            return [new InterestError(0, InterestError.QuotaField, quota)];
        }
        var (previous, previousDigestAt) = (state.State.Policy, state.State.Attention.NextDigestAt);
        state.State.Policy = policy;
        filter.Reschedule(policy, state.State.Attention);
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            (state.State.Policy, state.State.Attention.NextDigestAt) = (previous, previousDigestAt);
            throw;
        }
        return [];
    }

    public async Task<InterestFeedback?> GiveFeedback(string matchId, bool relevant)
    {
        if (_history.Find(matchId) is not { } match || !state.State.Interests.ContainsKey(match.InterestId))
        {
            return null;
        }
        var kept = state.State.Attention.Feedback.GetValueOrDefault(match.InterestId);
        if (_verdicts.TryGetValue(matchId, out var given) && given == relevant)
        {
            // The same verdict on the same match again (a retried request, a second click) counts once.
            return FeedbackRule.Describe(match.InterestId, BaseThreshold(match.InterestId), kept ?? new FeedbackState());
        }
        // Applied to a copy, which replaces the feedback kept only once written: a failed write leaves the threshold as stored.
        var feedback = kept?.Copy() ?? new FeedbackState();
        FeedbackRule.Apply(feedback, relevant, Pooled(match.Text), BaseThreshold(match.InterestId));
        // The threshold lives in the shard's rows: a new version carries it there.
        await EnsurePublishReminderAsync();
        var written = await CommitAsync(state.State.Interests, new Dictionary<string, FeedbackState>(state.State.Attention.Feedback) { [match.InterestId] = feedback });
        metrics.Feedback.Add(1, new KeyValuePair<string, object?>("relevant", relevant));
        RememberVerdict(matchId, relevant);
        await PublishAsync([], written);
        return FeedbackRule.Describe(match.InterestId, BaseThreshold(match.InterestId), feedback);
    }

    /// <summary>Keeps the verdict given on a match while the history holds it (feedback is given on the history's matches only).</summary>
    private void RememberVerdict(string matchId, bool relevant)
    {
        _verdicts[matchId] = relevant;
        if (_verdicts.Count > _history.Count)
        {
            foreach (var gone in _verdicts.Keys.Where(id => _history.FindDecision(MatchKey.Of(id)) is null).ToArray())
            {
                _verdicts.Remove(gone);
            }
        }
    }

    public Task<IReadOnlyList<InterestFeedback>> GetFeedback()
        => Task.FromResult<IReadOnlyList<InterestFeedback>>(FeedbackOfHeldInterests
            .OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => FeedbackRule.Describe(f.Key, BaseThreshold(f.Key), f.Value))
            .ToArray());

    public Task<IReadOnlyList<Digest>> GetDigests(int limit)
        => Task.FromResult<IReadOnlyList<Digest>>(Enumerable.Reverse(state.State.Attention.RecentDigests).Take(limit).ToArray());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PublishReminder)
        {
            _publishReminderRegistered = true;
            if (state.State.Version == 0)
            {
                // Nothing written (the user erased, a tick outliving the reminder's removal): no rows to catch up with,
                // and an empty publish would store the user's id among the shard's removals again.
                await TryRemovePublishReminderAsync();
                return;
            }
            await SendRowsAsync(await GetScoringRows());
            return;
        }
        if (reminderName != DigestReminder)
        {
            return;
        }
        var attention = state.State.Attention;
        if (filter.TakeDueDigest(UserId, state.State.Policy ?? DeliveryPolicy.Default, attention) is { } digest)
        {
            // Durable before it is sent: a silo lost from here on resends it with the same id, never forms it again.
            attention.Outbox.Add(digest);
            _digestsUnwritten++;
            await WriteStateAsync();
        }
        else if (_digestsUnwritten > 0)
        {
            // Its write failed at an earlier check. Sent unwritten, a silo lost before the write would form it again under
            // the same id with the matches decided since, and a sink that keeps the first under an id drops those.
            await WriteStateAsync();
        }
        if (attention.Outbox.Count > 0 && await SendOutboxAsync(attention))
        {
            await WriteStateAsync();
        }
        if (!attention.HasPending && attention.Outbox.Count == 0)
        {
            await UnregisterDigestReminderAsync();
        }
    }

    /// <summary>Nothing waits any more; should this fail, the next tick finds nothing to do and tries again.</summary>
    private async Task UnregisterDigestReminderAsync()
    {
        try
        {
            await RemoveDigestReminderAsync();
        }
        catch (Exception e)
        {
            LogReminderFailed(e);
        }
    }

    /// <summary>
    /// The erasure's: the publish reminder goes too (its rows would be refused anyway, but it names the user), also when
    /// registered again since this activation registered it (then read back and removed).
    /// </summary>
    private async Task RemoveRemindersAsync()
    {
        await RemoveDigestReminderAsync();
        if (!await TryRemovePublishReminderAsync())
        {
            await TryRemovePublishReminderAsync();
        }
    }

    /// <summary>
    /// Removes <see cref="PublishReminder"/>: with the handle this activation registered (one reminder table call), or read
    /// back without one. False when the handle is stale: the reminder table's row has another etag, so it was registered
    /// again since (by another activation of this user, whose write it retries), and Orleans refuses the removal. That
    /// registration stays until its tick, which sends the rows stored, reads it back and removes it; this activation
    /// holds it no longer, and registers again before its next write.
    /// </summary>
    private async Task<bool> TryRemovePublishReminderAsync()
    {
        var reminder = _publishReminder ?? await this.GetReminder(PublishReminder);
        try
        {
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (ReminderException e) when (_publishReminder is not null)
        {
            LogPublishReminderRegisteredAgain(UserId, e);
            // Not this activation's: whoever registered it may remove it, so the next write registers its own first.
            _publishReminder = null;
            _publishReminderRegistered = false;
            return false;
        }
        _publishReminder = null;
        _publishReminderRegistered = false;
        return true;
    }

    private async Task RemoveDigestReminderAsync()
    {
        if (await this.GetReminder(DigestReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _reminderRegistered = false;
    }

    /// <summary>Sends the outbox in order, stopping at the first failure; true when some digest left it.</summary>
    private async Task<bool> SendOutboxAsync(AttentionState attention)
    {
        var sent = false;
        while (attention.Outbox.Count > 0)
        {
            var digest = attention.Outbox[0];
            try
            {
                foreach (var sink in sinks)
                {
                    await sink.PublishAsync(digest, CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                LogDigestSendFailed(digest.Id, e);
                break;
            }
            attention.Outbox.RemoveAt(0);
            sent = true;
        }
        return sent;
    }

    private async Task EnsureDigestReminderAsync()
    {
        var attention = state.State.Attention;
        if (_reminderRegistered || (!attention.HasPending && attention.Outbox.Count == 0))
        {
            return;
        }
        try
        {
            await this.RegisterOrUpdateReminder(DigestReminder, DigestCheckPeriod, DigestCheckPeriod);
            _reminderRegistered = true;
        }
        catch (Exception e)
        {
            // The pending matches are durable; the next decision or activation registers it again.
            LogReminderFailed(e);
        }
    }

    /// <summary>The match with its score lowered by the interest's "not like this" examples, if any.</summary>
    private UserMatch WithFeedbackPenalty(UserMatch match)
    {
        if (state.State.Attention.Feedback.GetValueOrDefault(match.InterestId) is not { NotLikeThis.Count: > 0 } feedback)
        {
            return match;
        }
        var score = FeedbackRule.Penalized(match.Score, feedback, Pooled(match.Text));
        return score < match.Score ? match with { Score = score } : match;
    }

    private float[] Pooled(string text) => embedder.MessagePooled(text);

    private float BaseThreshold(string interestId) => BaseThreshold(state.State.Interests.GetValueOrDefault(interestId));

    private float BaseThreshold(StoredInterest? interest) => interest?.Threshold ?? scoring.Value.DefaultThreshold;

    private float ThresholdOf(string interestId)
        => FeedbackRule.Threshold(BaseThreshold(interestId), state.State.Attention.Feedback.GetValueOrDefault(interestId));

    public Task<IReadOnlyList<UserMatch>> GetMatches(int limit)
        => Task.FromResult(_history.Newest(limit));

    public async Task<UserDataExport> Export()
        => new(UserId, await GetInterests(), state.State.Policy, await GetFeedback(), _history.Newest(int.MaxValue),
            await GetDigests(AttentionFilter.RecentDigests), [.. state.State.Attention.Pending], [.. state.State.Attention.RepeatsMostFirst()],
            new Dictionary<string, int>(state.State.Attention.Unlisted), state.State.Attention.ForgottenRepeats);

    public Task<bool> HoldsAnything()
        => Task.FromResult(!UserDataExport.KeepsNothing(state.State.Interests.Count, state.State.Policy, FeedbackOfHeldInterests.Count(), _history.Count,
            Math.Min(state.State.Attention.RecentDigests.Count, AttentionFilter.RecentDigests), state.State.Attention.Pending.Count + state.State.Attention.Repeats.Count));

    public Task<bool> HasInterests() => Task.FromResult(state.State.Interests.Count > 0);

    public Task<Guid> GetIncarnation() => Task.FromResult(state.State.Incarnation);

    /// <summary>The feedback <see cref="GetFeedback"/> lists: that of interests the user holds.</summary>
    private IEnumerable<KeyValuePair<string, FeedbackState>> FeedbackOfHeldInterests
        => state.State.Attention.Feedback.Where(f => state.State.Interests.ContainsKey(f.Key));

    /// <summary>
    /// In the order that keeps what is left findable should a step fail (the caller retries the whole erasure): scoring
    /// stops first, so no new match is decided for the user while its records go; the records last but the live streams.
    /// Not interleaved with a write (the grain is not reentrant), so an import racing with the erasure either lands before
    /// it and is erased, or after it on the next activation, which starts from the cleared records. A failed step ends
    /// the erasure with the steps done so far; each step can run again, so the retry finishes it.
    /// </summary>
    public async Task<UserErasureOutcome> Erase()
    {
        var done = new List<string>(UserErasureSteps.All.Count);
        async Task<bool> RunAsync(string step, Func<Task> run)
        {
            try
            {
                await run();
                done.Add(step);
                return true;
            }
            catch (Exception e)
            {
                LogErasureStepFailed(UserId, step, e);
                return false;
            }
        }
        var completed =
            // An update without interests removes the user from the shard's rows and membership and withdraws the shard's
            // part of its silo's index until it publishes it again without the user.
            await RunAsync(UserErasureSteps.Scoring, async () =>
            {
                await Shard.Update(UserId, new UserScoringRows(state.State.Version + 1, []));
                // Rows sent again from now on would be refused as older than the removal; until the shard took it, the
                // retry still brings the user's last write there (the erasure may never be retried).
                StopPublishRetry();
            })
            && await RunAsync(UserErasureSteps.TenantCount, () => Tenant.Remove(UserId))
            && await RunAsync(UserErasureSteps.DigestReminder, RemoveRemindersAsync)
            // Every attention log entry in storage, those whose removal failed before included, is below the next number.
            && await RunAsync(UserErasureSteps.AttentionLog, () => Log.RemoveBeforeAsync(Log.Next))
            && await RunAsync(UserErasureSteps.Expansions, ExpansionStore.ClearAsync)
            && await RunAsync(UserErasureSteps.State, async () =>
            {
                await state.ClearStateAsync();
                _erased = true;
                // Calls after this one go to a new activation, which reads the cleared records: this one's history,
                // verdicts and attention log numbering are not used again.
                DeactivateOnIdle();
            })
            // Taken after every match this activation decided (it is not reentrant) and after the shard stopped scoring
            // for the user: the live feed drops the user's matches formed up to now.
            && await RunAsync(UserErasureSteps.LiveStreams, () => GrainFactory.GetGrain<IMatchFeedGrain>(0).EraseUser(new UserErasure(UserId, time.GetUtcNow())));
        return new UserErasureOutcome(done, completed ? null : UserErasureSteps.All[done.Count]);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Erasing user {User} failed at step {Step}; the steps before it are done, and a retry runs them all again")]
    private partial void LogErasureStepFailed(string user, string step, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending digest {Digest} failed; it stays in the outbox and is sent again at the next check")]
    private partial void LogDigestSendFailed(string digest, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removing attention log entries that the state now holds failed; they stay in storage, unread, until the next whole-state write removes them")]
    private partial void LogEntriesNotRemoved(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the attention state on deactivation failed; the next digest counts fewer unlisted matches, and the next activation reads the log")]
    private partial void LogAttentionNotWritten(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering or removing the digest reminder failed; retrying later")]
    private partial void LogReminderFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "User {User}: its publish reminder was registered again since this activation registered it; it stays until its tick sends the rows stored")]
    private partial void LogPublishReminderRegisteredAgain(string user, Exception exception);

    /// <summary>
    /// Persists <paramref name="interests"/> as the next version (above <paramref name="versionAbove"/> too), with <paramref name="feedback"/> (null: the feedback
    /// kept), the expansions of those <paramref name="written"/> and those kept of the others (the expansions' record
    /// first, over what <paramref name="read"/> read, or what is read now); on failure the grain keeps its previous state
    /// and feedback. Returns the expansions written, by text.
    /// </summary>
    private async Task<Dictionary<string, StoredExpansion>> CommitAsync(Dictionary<string, StoredInterest> interests,
        Dictionary<string, FeedbackState>? feedback = null, ReadExpansions? read = null, Dictionary<string, StoredExpansion?>? written = null,
        long versionAbove = 0)
    {
        read ??= await ExpansionStore.ReadAsync();
        // First: an expansion stored for a text whose interest then fails to be written is never misread (keyed by text).
        var expansions = await StoreExpansionsAsync(interests.Values, read, written);
        _unwritten = null;
        var (previous, previousFeedback) = (state.State, state.State.Attention.Feedback);
        state.State = new UserInterestsState
        {
            Interests = interests,
            Version = Math.Max(previous.Version, versionAbove) + 1,
            Policy = previous.Policy,
            Attention = previous.Attention,
            Incarnation = previous.Incarnation,
        };
        // The attention state stays one object (decisions add to it ahead of storage, and this write carries that too):
        // the new feedback goes into it for the write, and out again should the write fail.
        previous.Attention.Feedback = feedback ?? previousFeedback;
        _committedWhileWriting = (previous, previousFeedback);
        try
        {
            await WriteStateAsync();
        }
        catch
        {
            (state.State, previous.Attention.Feedback) = (previous, previousFeedback);
            throw;
        }
        finally
        {
            _committedWhileWriting = null;
        }
        return expansions;
    }

    /// <summary>
    /// Writes the expansions' record for <paramref name="interests"/>: by text, each interest's expansion just
    /// <paramref name="written"/> (by id), else the one kept (<see cref="KeptExpansion"/>); entries of texts no interest
    /// has are left out. None to store and none stored (an embedder that expands nothing): no record; the record as
    /// <paramref name="read"/> (feedback, a text written again): not written again. Returns the expansions, by text.
    /// </summary>
    private async Task<Dictionary<string, StoredExpansion>> StoreExpansionsAsync(IEnumerable<StoredInterest> interests, ReadExpansions read,
        Dictionary<string, StoredExpansion?>? written = null)
    {
        var expansions = new Dictionary<string, StoredExpansion>(StringComparer.Ordinal);
        foreach (var interest in interests)
        {
            var expansion = written is not null && written.TryGetValue(interest.Id, out var given) ? given : KeptExpansion(state.State, interest.Id, interest.Text, read.ByText);
            if (expansion is not null)
            {
                expansions[interest.Text] = expansion;
            }
        }
        if ((read.RecordExists || expansions.Count > 0) && !IsRecordAsRead(expansions, read))
        {
            await ExpansionStore.WriteAsync(read, expansions);
        }
        return expansions;
    }

    /// <summary>Whether <paramref name="expansions"/> are exactly the entries <paramref name="read"/> read (the same objects).</summary>
    private static bool IsRecordAsRead(Dictionary<string, StoredExpansion> expansions, ReadExpansions read)
        => read.RecordExists && expansions.Count == read.ByText.Count
            && expansions.All(e => read.ByText.TryGetValue(e.Key, out var stored) && ReferenceEquals(stored, e.Value));

    /// <summary>
    /// The expansion kept for interest <paramref name="id"/>'s <paramref name="text"/>: computed again since the record
    /// was written, in the record (<paramref name="stored"/>), or, in state written before the record existed, in
    /// <paramref name="user"/>'s state by id (only while the interest still has that text).
    /// </summary>
    private StoredExpansion? KeptExpansion(UserInterestsState user, string id, string text, Dictionary<string, StoredExpansion> stored)
        => _unwritten?.GetValueOrDefault(text) ?? stored.GetValueOrDefault(text)
            ?? (user.Interests.GetValueOrDefault(id)?.Text == text ? user.Expansions.GetValueOrDefault(id) : null);

    /// <summary>
    /// Moves the expansions a rebuild computed again, and those of state written before the expansions' record, into the
    /// record, so that the whole-state write that follows stores them and the grain stops holding them.
    /// </summary>
    private async Task StoreKeptExpansionsAsync()
    {
        await StoreExpansionsAsync(state.State.Interests.Values, await ExpansionStore.ReadAsync());
        _unwritten = null;
        state.State.Expansions = [];
    }

    /// <summary>
    /// Writes the whole state, which then holds every log entry (so the log starts after them), and removes those
    /// entries. On failure the state and the log are as they were.
    /// </summary>
    private async Task WriteStateAsync()
    {
        if (_unwritten is not null || state.State.Expansions.Count > 0)
        {
            await StoreKeptExpansionsAsync();
        }
        var attention = state.State.Attention;
        var (previousStart, previousOldest, start) = (attention.LogStart, attention.LogOldest, Log.Next);
        (attention.LogStart, attention.LogOldest) = (start, Log.Oldest);
        // Made at the write that stores it, not at activation: one never stored would change with the next activation,
        // while rows the shard holds (and the dead letters of their matches) carried it.
        var made = state.State.Incarnation == Guid.Empty;
        if (made)
        {
            state.State.Incarnation = _incarnationWriting = Guid.NewGuid();
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            (attention.LogStart, attention.LogOldest) = (previousStart, previousOldest);
            if (made)
            {
                state.State.Incarnation = Guid.Empty;
            }
            throw;
        }
        finally
        {
            _incarnationWriting = Guid.Empty;
        }
        attention.MarkWritten();
        if (_digestsUnwritten > 0)
        {
            metrics.Digests.Add(_digestsUnwritten);
            _digestsUnwritten = 0;
        }
        // Also when the log did not move: entries whose removal failed before are removed now, or the log stays full.
        try
        {
            await Log.RemoveBeforeAsync(start);
        }
        catch (Exception e)
        {
            LogEntriesNotRemoved(e);
        }
        if (_writtenAgain is not null && _writtenAgain.WroteAgain(this.GetGrainId()))
        {
            await StoreWhatRedisLostAsync(_writtenAgain);
        }
    }

    /// <summary>
    /// After a write stored the user's records again (Redis lost its data since this activation read them): registers the
    /// user with its shard again, and its digest and publish reminders when owed, which Redis lost too, so that the user
    /// is scored, its digest sent and its rows published after the silos restart (or its activation is collected). A
    /// shard that fails leaves it to the next write.
    /// </summary>
    private async Task StoreWhatRedisLostAsync(IKnowsRecordsWrittenAgain writtenAgain)
    {
        _reminderRegistered = false;
        await EnsureDigestReminderAsync();
        if (_publishReminderRegistered || _publishRetry is not null)
        {
            _publishReminderRegistered = false;
            await EnsurePublishReminderAsync();
        }
        if (state.State.Interests.Count > 0)
        {
            try
            {
                await Shard.Rejoin(UserId);
            }
            catch (Exception e)
            {
                LogRejoinFailed(UserId, e);
                return;
            }
        }
        writtenAgain.Forget(this.GetGrainId());
    }

    /// <summary>
    /// Sends the state just written to the shard. The change is stored, so a shard that fails to take it does not fail
    /// the call (a retry would find nothing to change, and a delete's retry the interest gone): the rows are sent again
    /// every <see cref="PublishRetry"/>, the activation kept alive meanwhile, and every minute by
    /// <see cref="PublishReminder"/> should the activation be lost, until the shard takes them (or a later write's rows,
    /// which carry a newer version, reach it first). Only a user whose shard is behind, or whose write is under way, has
    /// that reminder.
    /// </summary>
    private Task PublishAsync(Dictionary<string, EmbeddedText> embedded, Dictionary<string, StoredExpansion> stored)
        => SendRowsAsync(CommittedRows(state.State, state.State.Attention.Feedback, embedded, stored));

    /// <summary>Not interleaved with a write (a grain timer takes its own turn): the rows read are those last written.</summary>
    private async Task RetryPublishAsync(CancellationToken cancellationToken) => await SendRowsAsync(await GetScoringRows());

    private async Task SendRowsAsync(UserScoringRows rows)
    {
        try
        {
            await Shard.Update(UserId, rows);
        }
        catch (Exception e)
        {
            LogPublishFailed(UserId, rows.Version, PublishRetry, e);
            _publishRetry ??= this.RegisterGrainTimer(RetryPublishAsync, new GrainTimerCreationOptions(PublishRetry, PublishRetry) { KeepAlive = true });
            // Registered before the write already, unless the reminder service failed then.
            await EnsurePublishReminderAsync();
            return;
        }
        StopPublishRetry();
        if (_publishReminderRegistered)
        {
            try
            {
                await TryRemovePublishReminderAsync();
            }
            catch (Exception e)
            {
                // Its next tick sends the rows again, which the shard takes as a repeat, and removes it then.
                LogReminderFailed(e);
            }
        }
    }

    /// <summary>
    /// Registers <see cref="PublishReminder"/> unless this activation has it: before every write whose rows the shard must
    /// take, so that a silo lost between storing the change and seeing its publish fail leaves a durable retry (the
    /// publish that succeeds removes it). Should the reminder service fail, the write still goes on: the timer retries a
    /// failed publish while the activation lives, and that failure tries to register the reminder again.
    /// A write that then fails leaves the reminder to its tick, which sends the rows stored (a repeat) and removes it.
    /// </summary>
    private async Task EnsurePublishReminderAsync()
    {
        if (_publishReminderRegistered)
        {
            return;
        }
        try
        {
            _publishReminder = await this.RegisterOrUpdateReminder(PublishReminder, DigestCheckPeriod, DigestCheckPeriod);
            _publishReminderRegistered = true;
        }
        catch (Exception e)
        {
            LogReminderFailed(e);
        }
    }

    private void StopPublishRetry()
    {
        _publishRetry?.Dispose();
        _publishRetry = null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {User}: its shard did not store its membership again after Redis lost its data; the user's next write tries again, and until then a restarted silo does not score the user")]
    private partial void LogRejoinFailed(string user, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {User}: its tenant did not take the count after a delete; the delete is stored, and the count stays high until the user's next write or delete")]
    private partial void LogReleaseFailed(string user, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "User {User}: its shard did not take version {Version} of its interests; the write is stored, and the rows are sent again every {Delay}")]
    private partial void LogPublishFailed(string user, long version, TimeSpan delay, Exception exception);

    /// <summary>
    /// The interests of <paramref name="committed"/>, a state written, with their rows (those just <paramref name="embedded"/>,
    /// the others embedded again with their kept expansions, <see cref="KeptExpansion"/>) and their thresholds as the
    /// <paramref name="feedback"/> written with it moved them.
    /// </summary>
    private UserScoringRows CommittedRows(UserInterestsState committed, Dictionary<string, FeedbackState> feedback,
        Dictionary<string, EmbeddedText> embedded, Dictionary<string, StoredExpansion> stored)
    {
        var interests = committed.Interests.Values.ToArray();
        var missing = interests.Where(i => !embedded.ContainsKey(i.Id)).ToArray();
        var kept = Array.ConvertAll(missing, i => KeptExpansion(committed, i.Id, i.Text, stored));
        var expansions = (StoredExpansion?[])kept.Clone();
        var rows = embedder.Embed(missing.Select(i => i.Text).ToArray(), expansions);
        for (var i = 0; i < missing.Length; i++)
        {
            embedded[missing[i].Id] = rows[i];
            if (!ReferenceEquals(expansions[i], kept[i]) && expansions[i] is { } computed)
            {
                // Computed again (stored under another key, or none stored): kept until the next write stores it, but not
                // written now: this may run interleaved with a write, and after a model change every user would write at
                // once while the shards rebuild.
                (_unwritten ??= new Dictionary<string, StoredExpansion>(StringComparer.Ordinal))[missing[i].Text] = computed;
            }
        }
        return new UserScoringRows(committed.Version, interests.Select(i => new ScoringInterest(i.Id, i.Text,
            feedback.TryGetValue(i.Id, out var moved) ? FeedbackRule.Threshold(BaseThreshold(i), moved) : i.Threshold,
            embedded[i.Id], i.Require, i.Exclude)).ToArray(), committed.Incarnation);
    }
}
