using System.Text.RegularExpressions;

namespace StreamAttention.Contracts.Users;

/// <summary>
/// What an id of a tenant, a user or an interest may be: up to 128 of the characters a URL path segment keeps as they
/// are, but not "." or "..", which a URL path resolves away (no route could reach such a user or interest). The
/// patterns end in \z: $ would also take a final newline.
/// </summary>
public static partial class Ids
{
    public const string Pattern = @"^(?!\.\.?\z)[A-Za-z0-9._:-]{1,128}\z";

    /// <summary>A user id, optionally prefixed by its tenant's id and a slash.</summary>
    public const string UserPattern = @"^(?:(?!\.\.?/)[A-Za-z0-9._:-]{1,128}/)?(?!\.\.?\z)[A-Za-z0-9._:-]{1,128}\z";

    public static bool IsValid(string? id) => id is not null && IdRegex().IsMatch(id);

    public static bool IsValidUser(string? userId) => userId is not null && UserIdRegex().IsMatch(userId);

    /// <summary>The tenant of user key <paramref name="userKey"/> ("tenant/user"); null for a user without a tenant.</summary>
    public static string? TenantOf(string userKey) => userKey.IndexOf('/') is > 0 and var slash ? userKey[..slash] : null;

    /// <summary>The key of user <paramref name="user"/> of <paramref name="tenant"/>: "tenant/user", or the user's id without a tenant.</summary>
    public static string UserKeyOf(string? tenant, string user) => tenant is null ? user : $"{tenant}/{user}";

    /// <summary>
    /// The key of the tenant grain that counts the users without a tenant: its parentheses are outside
    /// <see cref="Pattern"/>, so no tenant's id is this key and no <c>/tenants/{tenant}</c> route reaches it.
    /// </summary>
    public const string NoTenant = "(no-tenant)";

    /// <summary>The key of the tenant grain that counts user key <paramref name="userKey"/>: its tenant, or <see cref="NoTenant"/>.</summary>
    public static string TenantGrainKeyOf(string userKey) => TenantOf(userKey) ?? NoTenant;

    [GeneratedRegex(Pattern)]
    private static partial Regex IdRegex();

    [GeneratedRegex(UserPattern)]
    private static partial Regex UserIdRegex();
}
