using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Security;

/// <summary>
/// The user a route names: <c>/tenants/{tenant}/users/{userId}/…</c>, or on the short routes
/// <c>/users/{userId}/…</c> the caller's own tenant (none when auth is off or the caller has no tenant claim, i.e. an
/// operator's tenant-less users). <see cref="Key"/> is the user grain's key, "tenant/user".
/// </summary>
public sealed record UserScope(string? Tenant, string UserId)
{
    public const string TenantRouteValue = "tenant";
    public const string UserRouteValue = "userId";

    public string Key => Ids.UserKeyOf(Tenant, UserId);

    /// <summary>Null when the route names no user. The ids are checked by the route group's filter (<c>UserRoutes</c>) before a handler runs.</summary>
    public static ValueTask<UserScope?> BindAsync(HttpContext context)
        => ValueTask.FromResult(FromRoute(context));

    public static UserScope? FromRoute(HttpContext context)
    {
        if (context.Request.RouteValues[UserRouteValue] is not string userId)
        {
            return null;
        }
        return new UserScope(TenantScope.TenantOf(context), userId);
    }

    /// <summary>A tenant or user id on its own: one id, no slash.</summary>
    public static string? ValidatePart(string id)
        => Ids.IsValid(id) ? null : $"must match {Ids.Pattern}";
}

/// <summary>The tenant a route acts in: <c>{tenant}</c> when the route names one, else the caller's own tenant claim.</summary>
public static class TenantScope
{
    public static string? TenantOf(HttpContext context)
        => context.Request.RouteValues[UserScope.TenantRouteValue] as string ?? context.User.FindFirst(ClaimNames.Tenant)?.Value;
}
