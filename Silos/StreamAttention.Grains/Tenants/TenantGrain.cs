using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;
using StreamAttention.Grains.Users;

namespace StreamAttention.Grains.Tenants;

/// <summary>
/// Counts a tenant's users and interests (persisted, one write per change) and enforces <see cref="TenantQuotaOptions"/>.
/// A reservation is written before the user's own write; if that write then fails, the count stays high until the
/// user's next write or delete sets it again, so a failure never lets a tenant exceed its quota.
/// <para>
/// The grain of key <see cref="Ids.NoTenant"/> counts the users without a tenant against the section's own quotas
/// (<c>Tenants:MaxUsers</c>, <c>Tenants:MaxInterests</c>). Builds before cluster contract 13 counted them nowhere, so at
/// its first activation it counts the users stored then (<see cref="CountStoredUsersAsync"/>), once.
/// </para>
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
[GrainType("tenant")]
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Interests)] IPersistentState<TenantUsageState> state,
    IOptions<TenantQuotaOptions> quotas,
    [FromKeyedServices(StorageNames.Interests)] IGrainStorage storage,
    IStoredUserKeys storedUsers) : Grain, ITenantGrain
{
    /// <summary>Users' records read at once while <see cref="CountStoredUsersAsync"/> counts them.</summary>
    private const int StoredUsersBatch = 100;

    /// <summary>
    /// The counted users' keys in ordinal order, for <see cref="GetUsers"/>: sorted at its first call, then kept in step
    /// with the counts (not stored). Sorting every user at each call made a listing of 100,000 users in pages of 1000
    /// cost 100 sorts, seconds of the grain's time in which no write of the tenant could reserve.
    /// </summary>
    private List<string>? _ordered;

    private string Tenant => this.GetPrimaryKeyString();

    /// <summary>The tenant as its quota messages name it.</summary>
    private string Name => Tenant == Ids.NoTenant ? "the tenant of the users without one" : $"tenant '{Tenant}'";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Tenant == Ids.NoTenant && !state.State.StoredUsersCounted)
        {
            await CountStoredUsersAsync();
        }
    }

    /// <summary>
    /// Counts every user without a tenant whose record holds interests or a policy and that is not counted yet, then
    /// stores that this was done. Calls that would change a count wait for the activation, so a write after a record's
    /// read sets that user's count again; a user counted already keeps its count, which no stored record is newer than.
    /// Users beyond the quotas are counted too: they are stored, and the quotas refuse new users and interests until
    /// the counts are below them again.
    /// </summary>
    private async Task CountStoredUsersAsync()
    {
        var counts = state.State.InterestsByUser;
        await foreach (var batch in storedUsers.WithoutTenantAsync().Where(user => !counts.ContainsKey(user)).Chunk(StoredUsersBatch))
        {
            var records = await Task.WhenAll(batch.Select(async user =>
            {
                var record = new GrainState<UserInterestsState>();
                await storage.ReadStateAsync(UserGrain.StateName, GrainId.Create(UserGrain.GrainTypeName, user), record);
                return (User: user, Record: record);
            }));
            foreach (var (user, record) in records)
            {
                if (record is { RecordExists: true, State: { } stored } && (stored.Interests.Count > 0 || stored.Policy is not null))
                {
                    counts[user] = stored.Interests.Count;
                }
            }
        }
        state.State.StoredUsersCounted = true;
        await state.WriteStateAsync();
    }

    public async Task<string?> Reserve(string user, int interests)
    {
        var counts = state.State.InterestsByUser;
        var quota = quotas.Value.For(Tenant);
        if (!counts.TryGetValue(user, out var held) && counts.Count >= quota.MaxUsers)
        {
            return $"{Name} already has its maximum of {quota.MaxUsers} users (Tenants:MaxUsers)";
        }
        var total = counts.Values.Sum() - held + interests;
        if (interests > held && total > quota.MaxInterests)
        {
            return $"{Name} would hold {total} interests; its maximum is {quota.MaxInterests} (Tenants:MaxInterests)";
        }
        await SetAsync(user, interests);
        return null;
    }

    public Task Release(string user, int interests) => SetAsync(user, interests);

    public Task Remove(string user) => SetAsync(user, null);

    public Task<IReadOnlyList<string>> GetUsers(string? after, int count)
    {
        var ordered = _ordered ??= [.. state.State.InterestsByUser.Keys.Order(StringComparer.Ordinal)];
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

    public Task<TenantUsage> GetUsage()
        => Task.FromResult(new TenantUsage(state.State.InterestsByUser.Count, state.State.InterestsByUser.Values.Sum()));

    /// <summary>Counts the user with <paramref name="interests"/> interests; null: no longer counted.</summary>
    private async Task SetAsync(string user, int? interests)
    {
        var counts = state.State.InterestsByUser;
        int? held = counts.TryGetValue(user, out var count) ? count : null;
        if (held == interests)
        {
            return;
        }
        Set(user, interests);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Undone, so the counts stay as stored: a retry of the same call then finds a change and writes it.
            Set(user, held);
            throw;
        }
    }

    private void Set(string user, int? interests)
    {
        var counts = state.State.InterestsByUser;
        if (interests is { } held)
        {
            if (counts.TryAdd(user, held))
            {
                _ordered?.Insert(~_ordered.BinarySearch(user, StringComparer.Ordinal), user);
            }
            else
            {
                counts[user] = held;
            }
        }
        else if (counts.Remove(user))
        {
            _ordered?.RemoveAt(_ordered.BinarySearch(user, StringComparer.Ordinal));
        }
    }
}

[GenerateSerializer, Alias("StreamAttention.TenantUsageState")]
public sealed class TenantUsageState
{
    /// <summary>
    /// Every user counted, with the interests it holds: 0 for a user with a policy alone (a silo of cluster contract 11
    /// or before stored users holding interests only, and never a 0).
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
