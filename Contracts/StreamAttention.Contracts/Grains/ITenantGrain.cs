namespace StreamAttention.Contracts.Grains;

/// <summary>
/// One tenant (key: the tenant id): how many interests each of its users holds, against the tenant's quotas of users
/// and interests. User grains of keys "tenant/user" reserve before they persist a write that adds interests.
/// </summary>
[Alias("StreamAttention.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Records that <paramref name="user"/> will hold <paramref name="interests"/> interests; null when the quotas allow it, else why not (nothing is recorded).</summary>
    [Alias("Reserve")]
    Task<string?> Reserve(string user, int interests);

    /// <summary>Records the user's count after a write that did not add interests (0 removes the user).</summary>
    [Alias("Release")]
    Task Release(string user, int interests);

    /// <summary>The tenant's users and interests as counted.</summary>
    [Alias("GetUsage")]
    Task<TenantUsage> GetUsage();
}

[GenerateSerializer, Immutable, Alias("StreamAttention.TenantUsage")]
public sealed record TenantUsage([property: Id(0)] int Users, [property: Id(1)] int Interests);
