using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Where a user's routes live: <c>/tenants/{tenant}/users/{userId}</c> and the short form <c>/users/{userId}</c>,
/// which acts in the caller's own tenant (see <see cref="UserScope"/>). Handlers take a <see cref="UserScope"/> and
/// use its <see cref="UserScope.Key"/> as the user grain key.
/// </summary>
public static class UserRoutes
{
    public const string TenantUserPrefix = "/tenants/{tenant}/users/{userId}";
    public const string UserPrefix = "/users/{userId}";

    /// <summary>
    /// Maps <paramref name="map"/> under both prefixes, each behind the user-access policy, the per-caller rate limit and
    /// the user's body limit (a user's interest, policy or feedback is small: any user could otherwise make the silo hold
    /// the bulk limit's 16 MiB per request, as many times at once as it opens requests), and each answers a 400 for a
    /// malformed tenant or user id.
    /// </summary>
    public static IEndpointRouteBuilder MapUserRoutes(this IEndpointRouteBuilder app, string tag, Action<RouteGroupBuilder> map)
    {
        foreach (var prefix in new[] { TenantUserPrefix, UserPrefix })
        {
            map(app.MapGroup(prefix).WithTags(tag).RequireUserAccess().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit).WithUserRequestBodyLimit()
                .ProducesValidationProblem().AddEndpointFilter((context, next) => ValidateIds(context.HttpContext) is { } problem ? ValueTask.FromResult<object?>(problem) : next(context)));
        }
        return app;
    }

    /// <summary>A 400 naming the malformed tenant or user id, else null.</summary>
    public static IResult? ValidateIds(HttpContext context)
    {
        if (UserScope.FromRoute(context) is not { } user)
        {
            return null;
        }
        if (user.Tenant is not null && UserScope.ValidatePart(user.Tenant) is { } tenantError)
        {
            return ValidationProblems.Of("tenant", $"tenant id {tenantError}");
        }
        return UserScope.ValidatePart(user.UserId) is { } userError ? ValidationProblems.Of("userId", $"user id {userError}") : null;
    }
}
