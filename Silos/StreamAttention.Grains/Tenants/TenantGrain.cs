using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Shards;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tenants;

/// <summary>
/// Counts a tenant's users and interests (persisted: a change returns once written) and enforces <see cref="TenantQuotaOptions"/>.
/// A reservation is written before the user's own write; if that write then fails, the count stays high until the
/// user's next write or delete sets it again, so a failure never lets a tenant exceed its quota.
/// <para>
/// The users' counts are split over <see cref="Buckets"/> records by a stable hash of the user's key
/// (<see cref="TenantUsersState"/>, state names <see cref="BucketStateName"/>), so a change writes the one record of its
/// user, about 1/<see cref="Buckets"/> of the tenant's users, and the totals the quotas are checked against are kept in
/// memory, summed once at activation: a change's cost no longer grows with the whole tenant. Cluster contract 12 stored
/// every user in the grain's one record (<see cref="TenantUsageState.InterestsByUser"/>); activation moves such counts
/// to the buckets.
/// </para>
/// <para>
/// The grain of key <see cref="Ids.NoTenant"/> counts the users without a tenant against their own quotas
/// (<see cref="TenantQuotaOptions.WithoutTenant"/>, none unless set). Builds before cluster contract 13 counted them
/// nowhere, so at its first activation it counts the users stored then (<see cref="CountStoredUsersAsync"/>), once. That
/// count writes what it counted every <see cref="StoredUsersWrittenEvery"/> users and stops when the activation is
/// cancelled: an activation that does not end (Orleans' activation timeout, a silo's stop, a failed scan or read) leaves
/// its progress, and the next one goes on from it, so a count longer than a caller's timeout still ends after a few calls.
/// A record whose content cannot be deserialized (<see cref="UnreadableRecordException"/>) is counted at 0 interests.
/// </para>
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
// Reentrant: a call runs its quota check and change in one turn, then awaits its bucket's write, during which the next
// calls run theirs and join that bucket's next write (SetAsync).
[GrainType(GrainTypeName)]
[Reentrant]
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Interests)] IPersistentState<TenantUsageState> state,
    IOptions<TenantQuotaOptions> quotas,
    [FromKeyedServices(StorageNames.Interests)] IGrainStorage storage,
    IStoredUserKeys storedUsers,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    /// <summary>
    /// The records a tenant's users' counts are split over. Part of the stored layout: another number would look for
    /// users in the wrong records, so changing it needs a move of the counts, as activation does for contract 12's.
    /// </summary>
    public const int Buckets = 64;

    public const string GrainTypeName = "tenant";

    /// <summary>Users' records read at once while <see cref="CountStoredUsersAsync"/> counts them.</summary>
    private const int StoredUsersBatch = 100;

    /// <summary>
    /// Users <see cref="CountStoredUsersAsync"/> counts between writes of the buckets they changed: a count stopped
    /// part-way (a silo's stop, a failed or cancelled activation) keeps them, and the next skips them before their read.
    /// </summary>
    public const int StoredUsersWrittenEvery = 10_000;

    private readonly GrainState<TenantUsersState>[] _buckets = new GrainState<TenantUsersState>[Buckets];

    /// <summary>The users counted and their interests, over every bucket: what the quotas are checked against.</summary>
    private (int Users, long Interests) _totals;

    /// <summary>
    /// The counted users' keys in ordinal order, for <see cref="GetUsers"/>: sorted at its first call, then kept in step
    /// with the counts (not stored). Sorting every user at each call made a listing of 100,000 users in pages of 1000
    /// cost 100 sorts, seconds of the grain's time in which no write of the tenant could reserve.
    /// </summary>
    private List<string>? _ordered;

    /// <summary>Each bucket's write in flight (null: none), and the changes waiting for its next write (null: none).</summary>
    private readonly BucketWrite?[] _writing = new BucketWrite?[Buckets], _waiting = new BucketWrite?[Buckets];

    /// <summary>The rewrite of what Redis lost (<see cref="StoreWhatRedisLostAsync"/>) in progress, which changes that find it needed await.</summary>
    private Task? _storingWhatRedisLost;

    private readonly IKnowsRecordsWrittenAgain? _writtenAgain = storage as IKnowsRecordsWrittenAgain;

    private string Tenant => this.GetPrimaryKeyString();

    /// <summary>The tenant as its quota messages name it.</summary>
    private string Name => Tenant == Ids.NoTenant ? "the tenant of the users without one" : $"tenant '{Tenant}'";

    /// <summary>The state name of bucket <paramref name="bucket"/>'s record, part of its key (<c>…/state/tenant/acme/users-07</c>).</summary>
    public static string BucketStateName(int bucket) => $"users-{bucket:D2}";

    /// <summary>The bucket that counts <paramref name="user"/> (its key: "tenant/user", or a user's id without a tenant).</summary>
    public static int BucketOf(string user) => ShardMap.ShardOf(user, Buckets);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(Enumerable.Range(0, Buckets).Select(async bucket =>
        {
            var record = new GrainState<TenantUsersState>(new TenantUsersState());
            await storage.ReadStateAsync(BucketStateName(bucket), this.GetGrainId(), record);
            record.State ??= new TenantUsersState();
            _buckets[bucket] = record;
        }));
        if (state.State.InterestsByUser.Count > 0)
        {
            // Read again after the buckets: another activation (while a silo fails) may have moved it and changed buckets
            // since this one read it. Still full now, no bucket read holds a change newer than it.
            await state.ReadStateAsync();
        }
        foreach (var counts in Enumerable.Range(0, Buckets).Select(Counts))
        {
            _totals = (_totals.Users + counts.Count, _totals.Interests + counts.Values.Sum(held => (long)held));
        }
        var changed = new HashSet<int>();
        // Counts stored in one record (cluster contract 12) are newer than any bucket: buckets are written only once it is empty.
        foreach (var (user, held) in state.State.InterestsByUser)
        {
            Set(user, held);
            changed.Add(BucketOf(user));
        }
        var countStored = Tenant == Ids.NoTenant && !state.State.StoredUsersCounted;
        if (countStored)
        {
            await CountStoredUsersAsync(changed, cancellationToken);
        }
        if (state.State.InterestsByUser.Count > 0 || countStored)
        {
            // The buckets first: should a write fail, the next activation finds the one record as it was and moves it again.
            await WriteBucketsAsync(changed);
            state.State.InterestsByUser = [];
            state.State.StoredUsersCounted |= countStored;
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Counts every user without a tenant whose record holds interests or a policy and that is not counted yet, in the
    /// buckets' memory (<paramref name="changed"/> gets theirs; activation writes them and then that this was done).
    /// Calls that would change a count wait for the activation, so a write after a record's read sets that user's count
    /// again; a user counted already keeps its count, which no stored record is newer than.
    /// Users beyond the quotas are counted too: they are stored, and the quotas refuse new users and interests until
    /// the counts are below them again.
    /// <para>
    /// Every <see cref="StoredUsersWrittenEvery"/> users counted, the buckets they changed are written, and the
    /// activation's cancellation is honoured between batches: a count that does not end keeps what it wrote, and the next
    /// activation scans the keys again but reads only the users not counted yet. No call changed a count in between (each
    /// waits for an activation that ends), so a bucket written part-way holds no count older than its user's record, but
    /// where a user's release or removal after its own write failed then: that count stays high, as after any such
    /// failure, until the user's next write or delete sets it.
    /// </para>
    /// </summary>
    private async Task CountStoredUsersAsync(HashSet<int> changed, CancellationToken cancellationToken)
    {
        var unwritten = 0;
        await foreach (var batch in storedUsers.WithoutTenantAsync().Where(user => !CountsOf(user).ContainsKey(user)).Chunk(StoredUsersBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var records = await Task.WhenAll(batch.Select(async user =>
            {
                var record = new GrainState<UserInterestsState>();
                try
                {
                    await storage.ReadStateAsync(UserGrain.StateName, GrainId.Create(UserGrain.GrainTypeName, user), record);
                    return (User: user, Interests: record is { RecordExists: true, State: { } stored } && (stored.Interests.Count > 0 || stored.Policy is not null)
                        ? stored.Interests.Count
                        : (int?)null);
                }
                catch (Exception e) when (UnreadableRecordException.IsCauseOf(e))
                {
                    // One record that cannot be deserialized must not stop every user without a tenant from writing (each
                    // write waits for this count): the user is counted at 0 interests, so the export still lists it, and
                    // its next write sets its count. A read the storage failed (Redis did not answer, a stopping silo's
                    // storage closed) fails this try instead: counted at 0, the user would be written as counted and never
                    // read again, its interests outside the quotas until its next write.
                    LogStoredUserUnreadable(logger, e, user);
                    return (User: user, Interests: 0);
                }
            }));
            foreach (var (user, interests) in records)
            {
                if (interests is { } held)
                {
                    Set(user, held);
                    changed.Add(BucketOf(user));
                    unwritten++;
                }
            }
            if (unwritten >= StoredUsersWrittenEvery)
            {
                await WriteBucketsAsync(changed);
                changed.Clear();
                unwritten = 0;
            }
        }
    }

    /// <summary>Writes <paramref name="buckets"/> through <see cref="WriteAsync"/>, the one path every bucket write takes.</summary>
    private Task WriteBucketsAsync(IEnumerable<int> buckets) => Task.WhenAll(buckets.Select(WriteAsync));

    public async Task<string?> Reserve(string user, int interests)
    {
        var quota = quotas.Value.For(Tenant);
        if (!CountsOf(user).TryGetValue(user, out var held) && _totals.Users >= quota.MaxUsers)
        {
            return $"{Name} already has its maximum of {quota.MaxUsers} users ({quotas.Value.SettingOf(Tenant, nameof(quota.MaxUsers))})";
        }
        var total = _totals.Interests - held + interests;
        if (interests > held && total > quota.MaxInterests)
        {
            return $"{Name} would hold {total} interests; its maximum is {quota.MaxInterests} ({quotas.Value.SettingOf(Tenant, nameof(quota.MaxInterests))})";
        }
        await SetAsync(user, interests);
        return null;
    }

    public Task Release(string user, int interests) => SetAsync(user, interests);

    public Task Remove(string user) => SetAsync(user, null);

    public Task<IReadOnlyList<string>> GetUsers(string? after, int count)
    {
        var ordered = _ordered ??= [.. Enumerable.Range(0, Buckets).SelectMany(bucket => Counts(bucket).Keys).Order(StringComparer.Ordinal)];
        // Counted under their keys, "tenant/user" (a user without a tenant: its id): one prefix, so the keys' order is the users'.
        var prefix = Tenant == Ids.NoTenant ? "" : Tenant + "/";
        var start = 0;
        if (after is not null)
        {
            var found = ordered.BinarySearch(prefix + after, StringComparer.Ordinal);
            start = found >= 0 ? found + 1 : ~found;
        }
        return Task.FromResult<IReadOnlyList<string>>(ordered.GetRange(start, Math.Min(count, ordered.Count - start))
            .Select(user => user[prefix.Length..]).ToArray());
    }

    public Task<TenantUsage> GetUsage() => Task.FromResult(new TenantUsage(_totals.Users, (int)Math.Min(_totals.Interests, int.MaxValue)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The counts of tenant {Tenant} that Redis lost could not all be written again; its next change writes them")]
    private static partial void LogBucketsNotWrittenAgain(ILogger logger, Exception exception, string tenant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stored record of user {User} (without a tenant) could not be read while the users stored before cluster contract 13 were counted; counted at 0 interests until its next write")]
    private static partial void LogStoredUserUnreadable(ILogger logger, Exception exception, string user);

    private Dictionary<string, int> CountsOf(string user) => Counts(BucketOf(user));

    /// <summary>Bucket <paramref name="bucket"/>'s counts (its record's state, set at activation).</summary>
    private Dictionary<string, int> Counts(int bucket) => _buckets[bucket].State!.InterestsByUser;

    /// <summary>
    /// Counts the user with <paramref name="interests"/> interests; null: no longer counted. Writes the user's bucket only,
    /// and returns once a write holding the change has succeeded. Changes made while their bucket's write is in flight
    /// join its next write (<see cref="WriteAsync"/>), so the grain admits more changes a second than one Redis write each.
    /// </summary>
    private async Task SetAsync(string user, int? interests)
    {
        var bucket = BucketOf(user);
        int? held = CountsOf(user).TryGetValue(user, out var count) ? count : null;
        if (held == interests)
        {
            // Unchanged, but as no write stored yet: the call returns once one has.
            if (_waiting[bucket] is { } waiting && waiting.Before.ContainsKey(user))
            {
                await waiting.Stored.Task;
            }
            else if (_writing[bucket] is { } writing && writing.Before.ContainsKey(user))
            {
                await writing.Stored.Task;
            }
            return;
        }
        Set(user, interests);
        var write = _waiting[bucket] ??= new BucketWrite();
        write.Before.TryAdd(user, held);
        await WriteAsync(bucket);
        if (_writtenAgain is not null && _writtenAgain.WroteAgain(this.GetGrainId()))
        {
            var storing = _storingWhatRedisLost ??= StoreWhatRedisLostAsync(_writtenAgain, bucket);
            try
            {
                await storing;
            }
            finally
            {
                if (_storingWhatRedisLost == storing)
                {
                    _storingWhatRedisLost = null;
                }
            }
        }
    }

    /// <summary>
    /// Writes bucket <paramref name="bucket"/> with every change made to it so far: the write waiting for it (made if none),
    /// started now unless the bucket's write is in flight, then right after it. One write of a record at a time (its etag).
    /// </summary>
    private Task WriteAsync(int bucket)
    {
        var write = _waiting[bucket] ??= new BucketWrite();
        if (_writing[bucket] is null)
        {
            _ = WriteWaitingAsync(bucket);
        }
        return write.Stored.Task;
    }

    /// <summary>Writes bucket <paramref name="bucket"/> until no write waits for it. Never throws: its writes' callers get the failures.</summary>
    private async Task WriteWaitingAsync(int bucket)
    {
        while (_waiting[bucket] is { } write)
        {
            (_writing[bucket], _waiting[bucket]) = (write, null);
            // A copy: the changes made while it is written wait for the next write, and no failure of that one may find them stored.
            var record = _buckets[bucket];
            var written = new GrainState<TenantUsersState>(new TenantUsersState { InterestsByUser = new(record.State!.InterestsByUser) })
            {
                ETag = record.ETag,
                RecordExists = record.RecordExists,
            };
            try
            {
                await storage.WriteStateAsync(BucketStateName(bucket), this.GetGrainId(), written);
                (record.ETag, record.RecordExists) = (written.ETag, written.RecordExists);
                _writing[bucket] = null;
                write.Stored.SetResult();
            }
            catch (Exception e)
            {
                // Undone, so the counts stay as stored: a retry of the same call then finds a change and writes it. The
                // changes waiting for the next write fail with them (undone last first): their quota checks counted these.
                BucketWrite[] failed = _waiting[bucket] is { } next ? [next, write] : [write];
                (_writing[bucket], _waiting[bucket]) = (null, null);
                foreach (var undone in failed)
                {
                    foreach (var (user, held) in undone.Before)
                    {
                        Set(user, held);
                    }
                    undone.Stored.SetException(e);
                }
            }
        }
    }

    /// <summary>
    /// After a write stored <paramref name="written"/> again (Redis lost its data since this activation read it): writes
    /// the other buckets stored before from memory too, which Redis lost with it, as the one record of cluster contract 12
    /// was written whole. A bucket that fails leaves them to the next change (the change itself is stored).
    /// </summary>
    private async Task StoreWhatRedisLostAsync(IKnowsRecordsWrittenAgain writtenAgain, int written)
    {
        foreach (var bucket in Enumerable.Range(0, Buckets).Where(bucket => bucket != written && _buckets[bucket].ETag is not null))
        {
            try
            {
                await WriteAsync(bucket);
            }
            catch (Exception e)
            {
                LogBucketsNotWrittenAgain(logger, e, Tenant);
                return;
            }
        }
        writtenAgain.Forget(this.GetGrainId());
    }

    /// <summary>Sets the user's count in its bucket's memory, the totals and the order with it (not stored).</summary>
    private void Set(string user, int? interests)
    {
        var counts = CountsOf(user);
        int? held = counts.TryGetValue(user, out var count) ? count : null;
        if (interests is { } now)
        {
            counts[user] = now;
            if (held is null)
            {
                _ordered?.Insert(~_ordered.BinarySearch(user, StringComparer.Ordinal), user);
            }
        }
        else if (counts.Remove(user))
        {
            _ordered?.RemoveAt(_ordered.BinarySearch(user, StringComparer.Ordinal));
        }
        _totals = (_totals.Users + (interests is null ? 0 : 1) - (held is null ? 0 : 1), _totals.Interests + (interests ?? 0) - (held ?? 0));
    }
}

[GenerateSerializer, Alias("StreamAttention.TenantUsageState")]
public sealed class TenantUsageState
{
    /// <summary>
    /// Every user counted, with the interests it holds, as cluster contract 12 stored them: activation moves them to the
    /// buckets (<see cref="TenantUsersState"/>) and leaves this empty. 0 for a user with a policy alone (a silo of cluster
    /// contract 11 or before stored users holding interests only, and never a 0).
    /// </summary>
    [Id(0)]
    public Dictionary<string, int> InterestsByUser { get; set; } = [];

    /// <summary>
    /// Whether the users stored before their grain counted them are counted (<see cref="Ids.NoTenant"/>'s grain only; a
    /// tenant's users were counted from the first).
    /// </summary>
    [Id(1)]
    public bool StoredUsersCounted { get; set; }
}

/// <summary>One write of a bucket: the changes it holds, undone should it fail, and the calls waiting for it.</summary>
internal sealed class BucketWrite
{
    /// <summary>The users changed, each with its count before this write's first change of it (null: not counted).</summary>
    public Dictionary<string, int?> Before { get; } = [];

    public TaskCompletionSource Stored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>One bucket of a tenant's counts (<see cref="TenantGrain.Buckets"/>): the users whose keys hash to it.</summary>
[GenerateSerializer, Alias("StreamAttention.TenantUsersState")]
public sealed class TenantUsersState
{
    /// <summary>Every user of the bucket counted, with the interests it holds: 0 for a user with a policy alone.</summary>
    [Id(0)]
    public Dictionary<string, int> InterestsByUser { get; set; } = [];
}
