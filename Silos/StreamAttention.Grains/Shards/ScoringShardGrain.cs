using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Configuration;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Holds the interest matrices of its users. Reentrant: scoring waits on the silo's batcher, and updates must not
/// queue behind it; every mutation happens between awaits and scoring works on an immutable index snapshot.
/// It keeps one small index per user and no index of its own: its users' indexes are published to the silo's
/// <see cref="SiloInterestIndex"/>. A change withdraws them, so the silo's scoring grain no longer covers the shard;
/// the next score through this grain publishes them again and scores on a concatenation made for that call.
/// On activation a member whose grain fails to answer is left out (only that user's matches are missing) and asked
/// again every <see cref="MissingUserRetry"/> until it answers, also after an update brought its rows meanwhile (the shard
/// held no version to refuse older rows by, so what the user stored replaces them should they be older).
/// A user's rows carry the version of the write they came from, and rows older than what the shard holds or last removed
/// are refused: calls from different activations of a user grain (one on a silo that died, its successor on another) are
/// not ordered, so an older publish can arrive after a newer one. Removals are kept, with the membership, until no call
/// sent before them can still arrive (<see cref="RemovalKept"/>); a one-shot timer, armed only while a removal is kept,
/// writes the membership once the oldest has expired (and retries a failed write), so an erased user's id leaves storage
/// also on a quiet shard.
/// A change not stored yet (its write failed) moves with the shard (<see cref="IGrainMigrationParticipant"/>) and is
/// written on arrival; so does Redis's epoch its membership's etag was read in (<see cref="IRecordEpochs"/>), so that the
/// shard that moved writes its members again after Redis lost its data, as it would have where it was.
/// Kept alive: a shard is one of few and rebuilding it asks every one of its users. Placed by <see cref="ShardPlacement"/>,
/// and every <see cref="ShardingOptions.SpreadCheck"/> it moves to its silo of the spread when the membership changed it.
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
[Reentrant, KeepAlive, ShardPlacement, GrainType("scoringshard")]
public sealed class ScoringShardGrain(
    [PersistentState("shard", StorageNames.Interests)] IPersistentState<ShardMembershipState> membership,
    [FromKeyedServices(StorageNames.Interests)] IGrainStorage storage,
    ShardScoringBatcher batcher,
    ITextEmbedder embedder,
    IOptions<ScoringOptions> scoring,
    IOptions<ShardingOptions> sharding,
    IClusterMembershipService cluster,
    ILocalSiloDetails localSilo,
    IOptions<SiloMessagingOptions> messaging,
    TimeProvider time,
    ILogger<ScoringShardGrain> logger) : Grain, IScoringShardGrain, IGrainMigrationParticipant
{
    /// <summary>User grains asked at once while rebuilding.</summary>
    private const int RebuildConcurrency = 256;

    private static readonly TimeSpan MissingUserRetry = TimeSpan.FromSeconds(2);

    /// <summary>Carries <see cref="_unsaved"/> through a migration.</summary>
    private const string UnsavedMigrationKey = "shard-membership-unsaved";

    /// <summary>Carries the membership's etag with Redis's epoch it was read in through a migration.</summary>
    private const string EpochMigrationKey = "shard-membership-epoch";

    /// <summary>The storage, when it keeps Redis's epoch of each etag (Redis storage).</summary>
    private readonly IRecordEpochs? _epochs = storage as IRecordEpochs;

    /// <summary>The etag and its epoch the shard brought from the silo it left, until the activation gives them to storage.</summary>
    private (string ETag, string Epoch)? _arrivedEpoch;

    private readonly Dictionary<string, UserInterests> _users = [];

    /// <summary>
    /// Members whose rows could not be read yet; see <see cref="MissingUserRetry"/>. Only members: a user's removal takes
    /// it out, and a read that fails after the user left does not put it back, so the retry ends with the last one.
    /// </summary>
    private readonly HashSet<string> _missing = [];
    private IGrainTimer? _retry;
    private bool _published;
    private Task? _pendingWrite;
    private Task _lastWrite = Task.CompletedTask;

    /// <summary>Due when the oldest kept removal expires, or to retry a failed write; none while neither is pending.</summary>
    private IGrainTimer? _membershipTimer;

    /// <summary>The membership in memory differs from what storage holds (a change not written yet, or a failed write).</summary>
    private bool _unsaved;

    private int Shard => (int)this.GetPrimaryKeyLong();

    /// <summary>
    /// How long a removal is kept: Orleans drops a call unread once it is older than the response timeout, so past a
    /// few of those no publish sent before the removal can arrive (the margin covers a call forwarded between silos).
    /// </summary>
    private TimeSpan RemovalKept => 4 * messaging.Value.ResponseTimeout;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Here, not on rehydration: storage keeps the epoch by the etag string the state holds, which the state's own
        // rehydration sets. Only for the etag it was read with: never a guess.
        if (_arrivedEpoch is var (etag, epoch) && membership.Etag == etag)
        {
            _epochs?.RememberEpoch(membership.Etag, epoch);
        }
        _arrivedEpoch = null;
        this.RegisterGrainTimer(MoveToItsSiloAsync, sharding.Value.SpreadCheck, sharding.Value.SpreadCheck);
        this.RegisterGrainTimer(MoveToSiloWordsAsync, sharding.Value.SpreadCheck, sharding.Value.SpreadCheck);
        var clock = Stopwatch.StartNew();
        await LoadAsync(membership.State.Users.ToArray());
        if (_unsaved)
        {
            // A change whose write failed before the shard moved: stored now, not at some later change.
            await TryPersistMembershipAsync();
        }
        else
        {
            ArmMembershipTimer();
        }
        // Published now, so the silo's next run already covers this shard.
        Publish();
        if (_users.Count > 0)
        {
            logger.LogInformation("Shard {Shard} rebuilt from {Users} users with {Interests} interests in {Elapsed} ms ({Missing} users missing)",
                Shard, _users.Count, _users.Values.Sum(u => u.Interests.Count), clock.ElapsedMilliseconds, _missing.Count);
        }
    }

    /// <summary>Reads the rows of <paramref name="users"/>; a user whose grain fails is only marked missing.</summary>
    private async Task LoadAsync(IReadOnlyList<string> users)
    {
        foreach (var chunk in users.Chunk(RebuildConcurrency))
        {
            var rows = await Task.WhenAll(chunk.Select(async user =>
            {
                try
                {
                    return await GrainFactory.GetGrain<IUserGrain>(user).GetScoringRows();
                }
                catch (Exception e)
                {
                    logger.LogWarning("Shard {Shard}: user {User} did not give its interests ({Error}); retrying in {Delay}", Shard, user, e.Message, MissingUserRetry);
                    return null;
                }
            }));
            for (var i = 0; i < chunk.Length; i++)
            {
                if (rows[i] is not { } loaded)
                {
                    if (membership.State.Users.Contains(chunk[i]))
                    {
                        _missing.Add(chunk[i]);
                    }
                    continue;
                }
                _missing.Remove(chunk[i]);
                // What the user stored, unless the shard took newer rows meanwhile or a removal (which also left the
                // membership). Rows an update brought while the user was missing may be older: a publish delayed past
                // the rebuild, refused by no held version, is replaced here.
                if (!membership.State.Users.Contains(chunk[i]) || IsStale(chunk[i], loaded.Version)
                    || _users.TryGetValue(chunk[i], out var held) && held.Version == loaded.Version)
                {
                    continue;
                }
                if (loaded.Interests.Count > 0)
                {
                    _users[chunk[i]] = Index(chunk[i], loaded);
                    Invalidate();
                }
                else if (_users.Remove(chunk[i]))
                {
                    // Its interests deleted since the rows taken: its own publish of that removal leaves the membership.
                    Invalidate();
                }
            }
        }
        if (_missing.Count > 0)
        {
            _retry ??= this.RegisterGrainTimer(RetryMissingAsync, MissingUserRetry, MissingUserRetry);
        }
        else
        {
            _retry?.Dispose();
            _retry = null;
        }
    }

    private Task RetryMissingAsync(CancellationToken cancellationToken) => LoadAsync(_missing.ToArray());

    public async Task<long> Register(string userId)
    {
        // Read first: the user's next write takes a version above it, even when its own count started over (an erasure
        // clears the user's state), so that its rows are not refused as older than the removal.
        var newest = Math.Max(_users.GetValueOrDefault(userId)?.Version ?? 0, membership.State.Removed.GetValueOrDefault(userId)?.Version ?? 0);
        await AddMemberAsync(userId);
        return newest;
    }

    public Task Rejoin(string userId)
    {
        membership.State.Users.Add(userId);
        // Written even when nothing changed in memory: storage lost what the shard wrote last.
        _unsaved = true;
        return PersistMembershipAsync();
    }

    public async Task Update(string userId, UserScoringRows rows)
    {
        if (IsStale(userId, rows.Version))
        {
            return;
        }
        Invalidate();
        if (rows.Interests.Count > 0)
        {
            // Taken, but a user missing since the rebuild stays so and is read again once it answers: the shard held no
            // version to refuse older rows by, and these may be a publish delayed past the rebuild.
            _users[userId] = Index(userId, rows);
            // The rows held now carry the newer version; the removal is forgotten with the next write.
            membership.State.Removed.Remove(userId);
            // Normally registered already; this heals a membership that lost the user.
            await AddMemberAsync(userId);
            return;
        }
        _users.Remove(userId);
        // The removal's version is kept: older rows are refused without reading the user.
        _missing.Remove(userId);
        var left = membership.State.Users.Remove(userId);
        // Kept also for a user not held: its older rows may still be on their way.
        var newer = membership.State.Removed.GetValueOrDefault(userId)?.Version != rows.Version;
        if (newer)
        {
            membership.State.Removed[userId] = new ShardRemoval(rows.Version, time.GetUtcNow());
        }
        if (left || newer)
        {
            _unsaved = true;
        }
        // Also when this repeats a removal already made (an erasure retried after the write storing it failed): it
        // answers once storage no longer lists the user.
        await SavedAsync();
    }

    /// <summary>
    /// Whether rows of <paramref name="version"/> are older than those held, or than the user's removal: a removal's own
    /// version is not (an erasure sends the version after the user's last write, which a failed erasure's user writes next).
    /// </summary>
    private bool IsStale(string userId, long version)
        => _users.TryGetValue(userId, out var held) && held.Version > version
            || membership.State.Removed.TryGetValue(userId, out var removal) && removal.Version > version;

    public async Task<IReadOnlyList<TextMatch>> Score(ShardScoreRequest request, CancellationToken cancellationToken)
    {
        if (request.UserId is null && request.Tenant is null)
        {
            Publish();
        }
        // Built for this call only: the silo's index holds the shard's interests, and the silo scores this shard
        // itself once it published, so a copy kept here would only double the memory. A tenant's request scores
        // only that tenant's users ("tenant/user" keys).
        var tenantPrefix = request.Tenant is null ? null : $"{request.Tenant}/";
        var index = Concat(_users
            .Where(u => request.UserId is not null ? u.Key == request.UserId : tenantPrefix is null || u.Key.StartsWith(tenantPrefix, StringComparison.Ordinal))
            .Select(u => u.Value.Interests).ToArray());
        if (index.Count == 0)
        {
            return [];
        }
        var pairs = await batcher.ScoreAsync(request.Messages, index, cancellationToken);
        return pairs.Select(pair =>
        {
            var interest = index.Interests[pair.InterestIndex];
            return new TextMatch(pair.MessageIndex, interest.UserId!, interest.Id, pair.Score, pair.Highlights, Truncated: pair.Truncated, RawScore: pair.RawScore);
        }).ToArray();
    }

    /// <summary>Moves the shard, once idle, to its silo of the spread over the active silos, when that is another.</summary>
    private Task MoveToItsSiloAsync(CancellationToken cancellationToken)
    {
        var active = cluster.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        if (ShardPlacement.SiloOf(Shard, active) is { } silo && !silo.Equals(localSilo.SiloAddress))
        {
            logger.LogInformation("Shard {Shard} moves from silo {From} to {To}, its silo of the spread over the active silos", Shard, localSilo.SiloAddress, silo);
            this.MigrateOnIdle();
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Moves the users' indexes to the silo's word table once the silo started a new one (<see cref="SiloInterestIndex"/>),
    /// and publishes them again: the old table, with the words of interests since gone, is dropped once no shard holds it.
    /// </summary>
    private Task MoveToSiloWordsAsync(CancellationToken cancellationToken)
    {
        var moved = 0;
        foreach (var (userId, held) in _users.ToArray())
        {
            var current = batcher.Index.OnCurrentWords(held.Interests);
            if (!ReferenceEquals(current, held.Interests))
            {
                _users[userId] = held with { Interests = current };
                moved++;
            }
        }
        if (moved > 0)
        {
            Invalidate();
            Publish();
        }
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        batcher.Index.Leave(Shard);
        return Task.CompletedTask;
    }

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        // The membership itself moves with the persistent state; only whether storage holds it is the grain's own.
        if (_unsaved)
        {
            dehydrationContext.TryAddValue(UnsavedMigrationKey, true);
        }
        if (membership.Etag is { } etag && _epochs?.EpochOf(etag) is { } epoch)
        {
            dehydrationContext.TryAddValue(EpochMigrationKey, (etag, epoch));
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        _unsaved = rehydrationContext.TryGetValue(UnsavedMigrationKey, out bool unsaved) && unsaved;
        _arrivedEpoch = rehydrationContext.TryGetValue(EpochMigrationKey, out (string, string) arrived) ? arrived : null;
    }

    public Task<Guid> IncarnationOf(string userId) => Task.FromResult(_users.GetValueOrDefault(userId)?.Incarnation ?? Guid.Empty);

    public Task<ShardStatistics> GetStatistics()
        => Task.FromResult(new ShardStatistics(_users.Count, _users.Values.Sum(u => u.Interests.Count)));

    /// <summary>Publishes the shard's users' indexes to the silo's index, once after each change.</summary>
    private void Publish()
    {
        if (!_published)
        {
            batcher.Index.Publish(Shard, _users.Values.Select(u => u.Interests).ToArray());
            _published = true;
        }
    }

    /// <summary>Until published again, the silo's scoring grain leaves this shard to its own grain, which publishes it.</summary>
    private void Invalidate()
    {
        _published = false;
        batcher.Index.Withdraw(Shard);
    }

    /// <summary>A user's interests as an index over the silo's words: what the shard keeps of them.</summary>
    private UserInterests Index(string userId, UserScoringRows rows)
    {
        var interests = rows.Interests.Select(i => new InterestDefinition(i.Id, i.Text, userId, i.Threshold, i.Require, i.Exclude)).ToArray();
        var index = InterestIndex.FromRows(interests, rows.Interests.Select(i => i.Embedding).ToArray(), embedder.Dimension, scoring.Value, batcher.Index.Words);
        return new UserInterests(rows.Version, index, rows.Incarnation);
    }

    private InterestIndex Concat(InterestIndex[] users) => users.Length switch
    {
        0 => InterestIndex.Empty(embedder.Dimension),
        1 => users[0],
        _ => InterestIndex.Concat(users, embedder.Dimension, scoring.Value, batcher.Index.Words),
    };

    /// <summary>Returns once storage lists the user, writing only when it may not.</summary>
    private Task AddMemberAsync(string userId)
    {
        if (membership.State.Users.Add(userId))
        {
            _unsaved = true;
        }
        return SavedAsync();
    }

    /// <summary>Returns once storage holds the membership in memory, writing only when it may not.</summary>
    // Not unsaved: the last write, perhaps still in flight, holds it.
    private Task SavedAsync() => _unsaved ? PersistMembershipAsync() : _lastWrite;

    /// <summary>
    /// Group commit: changes made while a write is in flight share the one write queued behind it, so a bulk import
    /// registering thousands of users writes the membership a few times, not once per user.
    /// </summary>
    private Task PersistMembershipAsync()
    {
        if (_pendingWrite is null)
        {
            _pendingWrite = WriteAfterAsync(_lastWrite);
            _lastWrite = _pendingWrite;
        }
        return _pendingWrite;
    }

    private async Task WriteAfterAsync(Task previous)
    {
        // Yielding first lets the caller publish this task as the pending write before it starts.
        await Task.Yield();
        try
        {
            await previous;
        }
        catch
        {
            // The previous write's callers saw its failure; this write carries its changes again.
        }
        _pendingWrite = null;
        _unsaved = false;
        // A write stores only the removals that can still matter (an erased user's id among them).
        membership.State.ForgetRemovalsBefore(time.GetUtcNow() - RemovalKept);
        try
        {
            await membership.WriteStateAsync();
        }
        catch
        {
            _unsaved = true;
            ArmMembershipTimer();
            throw;
        }
        ArmMembershipTimer();
    }

    /// <summary>
    /// Arms the timer for when the oldest kept removal expires (its write drops it from storage), and while a change is
    /// not stored (a failed write) for a retry a response timeout later, not to press a failing storage; removes the timer
    /// when neither is due.
    /// </summary>
    private void ArmMembershipTimer()
    {
        if (membership.State.Removed.Count == 0 && !_unsaved)
        {
            _membershipTimer?.Dispose();
            _membershipTimer = null;
            return;
        }
        // The retry's write arms the timer again for the oldest removal.
        var due = _unsaved ? messaging.Value.ResponseTimeout : membership.State.Removed.Values.Min(r => r.At) + RemovalKept - time.GetUtcNow();
        _membershipTimer ??= this.RegisterGrainTimer(WriteMembershipWhenDueAsync, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _membershipTimer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private Task WriteMembershipWhenDueAsync(CancellationToken cancellationToken)
    {
        if (_unsaved || membership.State.Removed.Values.Any(r => r.At <= time.GetUtcNow() - RemovalKept))
        {
            _unsaved = true;
            // The write arms the timer again, for the next oldest removal or the next retry.
            return TryPersistMembershipAsync();
        }
        ArmMembershipTimer();
        return Task.CompletedTask;
    }

    /// <summary>A write no caller waits for: a failure is logged and leaves the change unsaved, written again later.</summary>
    private async Task TryPersistMembershipAsync()
    {
        try
        {
            await PersistMembershipAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning("Shard {Shard}: writing its membership failed ({Error}); it is written again at the next change or removal expiry", Shard, e.Message);
        }
    }
}

/// <summary>A user's interests as the shard holds them, with the version of the user's write they came from.</summary>
internal sealed record UserInterests(long Version, InterestIndex Interests, Guid Incarnation);
