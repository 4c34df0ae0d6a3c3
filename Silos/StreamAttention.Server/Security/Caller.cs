using System.Security.Claims;

namespace StreamAttention.Server.Security;

/// <summary>
/// What a caller's claims allow: a <c>user</c> reaches only itself (its <c>tenant</c> and <c>sub</c>), a
/// <c>tenant-admin</c> its tenant, an <c>operator</c> everything. A user key without a tenant ("bob", not "acme/bob")
/// belongs to no tenant, so no tenant's admin reaches it: an operator does, and so does a <c>user</c> token that has no
/// <c>tenant</c> claim and <c>sub</c> "bob" (the <c>token</c> command issues such tokens on purpose).
/// </summary>
public sealed record Caller(string? Role, string? Tenant, string? Subject)
{
    public static Caller From(ClaimsPrincipal principal) => new(
        HighestRole(principal),
        principal.FindFirst(ClaimNames.Tenant)?.Value,
        principal.FindFirst(ClaimNames.Subject)?.Value ?? principal.Identity?.Name);

    public bool IsOperator => Role == Roles.Operator;

    public bool MayAccessTenant(string? tenant)
        => IsOperator || (Role == Roles.TenantAdmin && tenant is not null && tenant == Tenant);

    public bool MayAccessUser(string? tenant, string userId)
        => MayAccessTenant(tenant) || (Role == Roles.User && tenant == Tenant && userId == Subject);

    /// <summary>Names the caller for per-caller limits: the API key's or token's subject with its tenant.</summary>
    public string PartitionKey => $"{Tenant}/{Subject}";

    /// <summary>A caller holding several roles acts with the strongest.</summary>
    private static string? HighestRole(ClaimsPrincipal principal)
    {
        var held = principal.FindAll(ClaimNames.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return Roles.All.Reverse().FirstOrDefault(held.Contains);
    }
}
