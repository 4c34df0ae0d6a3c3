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
    /// <summary>
    /// The counted users' keys in ordinal order, for <see cref="GetUsers"/>: sorted at its first call, then kept in step
    /// with the counts (not stored). Sorting every user at each call made a listing of 100,000 users in pages of 1000
    /// cost 100 sorts, seconds of the grain's time in which no write of the tenant could reserve.
    /// </summary>
    private List<string>? _ordered;

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

    public Task<IReadOnlyList<string>> GetUsers(string? after, int count)
    {
        var ordered = _ordered ??= [.. state.State.InterestsByUser.Keys.Order(StringComparer.Ordinal)];
        // Counted under their keys, "tenant/user": one prefix, so the keys' order is the users'.
        var prefix = Tenant + "/";
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
}
