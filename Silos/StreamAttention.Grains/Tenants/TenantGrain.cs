using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tenants;

/// <summary>
/// Counts a tenant's users and interests (persisted, one write per change) and enforces <see cref="TenantQuotaOptions"/>.
/// A reservation is written before the user's own write; if that write then fails, the count stays high until the
/// user's next write or delete sets it again, so a failure never lets a tenant exceed its quota.
/// </summary>
// The grain type is part of every stored record's key (and of its reminders): pinned, so renaming the class keeps them.
[GrainType("tenant")]
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Interests)] IPersistentState<TenantUsageState> state,
    IOptions<TenantQuotaOptions> quotas) : Grain, ITenantGrain
{
    private string Tenant => this.GetPrimaryKeyString();

    public async Task<string?> Reserve(string user, int interests)
    {
        var counts = state.State.InterestsByUser;
        var quota = quotas.Value.For(Tenant);
        if (!counts.TryGetValue(user, out var held) && counts.Count >= quota.MaxUsers)
        {
            return $"tenant '{Tenant}' already has its maximum of {quota.MaxUsers} users (Tenants:MaxUsers)";
        }
        var total = counts.Values.Sum() - held + interests;
        if (interests > held && total > quota.MaxInterests)
        {
            return $"tenant '{Tenant}' would hold {total} interests; its maximum is {quota.MaxInterests} (Tenants:MaxInterests)";
        }
        await SetAsync(user, interests);
        return null;
    }

    public Task Release(string user, int interests) => SetAsync(user, interests);

    public Task Remove(string user) => SetAsync(user, null);

    /// <summary>Sorted at each call (a page of 1000 of 100,000 users: a few ms), so the stored record stays as it is.</summary>
    public Task<IReadOnlyList<string>> GetUsers(string? after, int count)
    {
        // Counted under their keys, "tenant/user".
        var prefixLength = Tenant.Length + 1;
        return Task.FromResult<IReadOnlyList<string>>(state.State.InterestsByUser.Keys
            .Select(user => user[prefixLength..])
            .Where(user => after is null || string.CompareOrdinal(user, after) > 0)
            .Order(StringComparer.Ordinal).Take(count).ToArray());
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
        Set(counts, user, interests);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Undone, so the counts stay as stored: a retry of the same call then finds a change and writes it.
            Set(counts, user, held);
            throw;
        }
    }

    private static void Set(Dictionary<string, int> counts, string user, int? interests)
    {
        if (interests is { } held)
        {
            counts[user] = held;
        }
        else
        {
            counts.Remove(user);
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
}
