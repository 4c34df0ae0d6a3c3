namespace StreamAttention.Server.Security;

/// <summary>The roles a caller's <c>role</c> claim may hold.</summary>
public static class Roles
{
    /// <summary>Their own interests, matches and live stream.</summary>
    public const string User = "user";

    /// <summary>The users, bulk import and live streams of their tenant.</summary>
    public const string TenantAdmin = "tenant-admin";

    /// <summary>Everything: every tenant, <c>/score</c>, metrics, the Orleans dashboard.</summary>
    public const string Operator = "operator";

    public static readonly IReadOnlyList<string> All = [User, TenantAdmin, Operator];
}

/// <summary>
/// The claims authorization reads: the caller's tenant, user id (<c>sub</c>) and role, and a token's expiry (<c>exp</c>,
/// seconds since 1970), which ends a live stream opened with it.
/// </summary>
public static class ClaimNames
{
    public const string Tenant = "tenant";
    public const string Subject = "sub";
    public const string Role = "role";
    public const string Expiry = "exp";
}
