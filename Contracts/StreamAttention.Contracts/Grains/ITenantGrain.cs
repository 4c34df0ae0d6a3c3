namespace StreamAttention.Contracts.Grains;

/// <summary>
/// One tenant (key: the tenant id, or <see cref="Users.Ids.NoTenant"/> for the users without a tenant): its users and
/// how many interests each holds, against the tenant's quotas of users and interests. A user counts from the first
/// write that stores something of its own (an interest, or a delivery policy alone) until it keeps neither (erased, or
/// its last interest deleted without a policy). User grains reserve before they persist a write that adds interests or
/// a policy: of keys "tenant/user" with their tenant's grain, of keys without a tenant with the grain of
/// <see cref="Users.Ids.NoTenant"/>.
/// </summary>
[Alias("StreamAttention.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Records that <paramref name="user"/> will hold <paramref name="interests"/> interests (0: a policy alone) and counts it as a user; null when the quotas allow it, else why not (nothing is recorded).</summary>
    [Alias("Reserve")]
    Task<string?> Reserve(string user, int interests);

    /// <summary>Records the user's count after a write that did not add interests; the user stays counted (0: it keeps a policy alone).</summary>
    [Alias("Release")]
    Task Release(string user, int interests);

    /// <summary>The user keeps neither interests nor a policy (erased, or its last interest deleted without one): no longer counted.</summary>
    [Alias("Remove")]
    Task Remove(string user);

    /// <summary>The users counted (keys without the tenant; the users without one: their keys), in ordinal order: the first <paramref name="count"/> after <paramref name="after"/> (null: from the first).</summary>
    [Alias("GetUsers")]
    Task<IReadOnlyList<string>> GetUsers(string? after, int count);

    /// <summary>The tenant's users and interests as counted.</summary>
    [Alias("GetUsage")]
    Task<TenantUsage> GetUsage();
}

[GenerateSerializer, Immutable, Alias("StreamAttention.TenantUsage")]
public sealed record TenantUsage([property: Id(0)] int Users, [property: Id(1)] int Interests);
