using Microsoft.AspNetCore.Authorization;

namespace StreamAttention.Server.Security;

/// <summary>
/// Every authorization rule of the API, by policy name. Route groups name the policy through
/// <see cref="AccessEndpointExtensions"/>; with auth off every policy allows everyone.
/// </summary>
public static class AccessPolicies
{
    /// <summary>The route's user (<c>{tenant}</c>/<c>{userId}</c>): that user, its tenant's admin, or an operator.</summary>
    public const string UserAccess = "user-access";

    /// <summary>The route's tenant (<c>{tenant}</c>, else the caller's): its tenant-admin or an operator.</summary>
    public const string TenantAccess = "tenant-access";

    /// <summary>Operators only: <c>/score</c>, metrics, the dashboard's statistics, every tenant's stream, the Orleans dashboard, the users without a tenant as a whole.</summary>
    public const string Operator = "operator";

    public static void Add(AuthorizationOptions options, bool enabled)
    {
        if (!enabled)
        {
            foreach (var name in new[] { UserAccess, TenantAccess, Operator })
            {
                options.AddPolicy(name, policy => policy.RequireAssertion(_ => true));
            }
            return;
        }
        options.AddPolicy(UserAccess, policy => policy.RequireAuthenticatedUser().AddRequirements(new RouteAccessRequirement(RouteAccess.User)));
        options.AddPolicy(TenantAccess, policy => policy.RequireAuthenticatedUser().AddRequirements(new RouteAccessRequirement(RouteAccess.Tenant)));
        options.AddPolicy(Operator, policy => policy.RequireAuthenticatedUser().RequireClaim(ClaimNames.Role, Roles.Operator));
    }
}

public enum RouteAccess
{
    User,
    Tenant,
}

/// <summary>The caller may act on the user or tenant that the request's route names.</summary>
public sealed record RouteAccessRequirement(RouteAccess Scope) : IAuthorizationRequirement;

/// <summary>Decides <see cref="RouteAccessRequirement"/> from the caller's claims and the route values (endpoint routing passes the request as resource).</summary>
public sealed class RouteAccessHandler : AuthorizationHandler<RouteAccessRequirement, HttpContext>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, RouteAccessRequirement requirement, HttpContext resource)
    {
        var caller = Caller.From(context.User);
        var tenant = TenantScope.TenantOf(resource);
        var allowed = requirement.Scope switch
        {
            RouteAccess.User => resource.Request.RouteValues[UserScope.UserRouteValue] is string userId && caller.MayAccessUser(tenant, userId),
            _ => caller.MayAccessTenant(tenant),
        };
        if (allowed)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, requirement.Scope == RouteAccess.User
                ? $"may not reach user {resource.Request.RouteValues[UserScope.UserRouteValue]} of {(tenant is null ? "no tenant" : $"tenant {tenant}")}: a user reaches itself, a tenant-admin its tenant's users, an operator everyone."
                : $"may not reach {(tenant is null ? "the users without a tenant" : $"tenant {tenant}")}: a tenant-admin reaches its own tenant, an operator every tenant."));
        }
        return Task.CompletedTask;
    }
}

/// <summary>One call per route group: <c>group.RequireUserAccess()</c> for routes under <c>/users/{userId}</c> (also <c>/tenants/{tenant}/users/{userId}</c>).</summary>
public static class AccessEndpointExtensions
{
    public static TBuilder RequireUserAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.RequireAuthorization(AccessPolicies.UserAccess);

    public static TBuilder RequireTenantAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.RequireAuthorization(AccessPolicies.TenantAccess);

    public static TBuilder RequireOperator<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.RequireAuthorization(AccessPolicies.Operator);
}
