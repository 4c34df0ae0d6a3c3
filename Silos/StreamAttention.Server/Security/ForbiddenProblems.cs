using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using StreamAttention.Server.Apis;

namespace StreamAttention.Server.Security;

/// <summary>
/// A refused authenticated call is a 403 problem that says why (the role it needs, or whose data the caller may reach),
/// as a 401 says what was wrong with the credentials; everything else as ASP.NET Core does it.
/// </summary>
internal sealed class ForbiddenProblems : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden || context.User.Identity?.IsAuthenticated != true || context.Response.HasStarted)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }
        await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", Describe(authorizeResult.AuthorizationFailure, Caller.From(context.User)));
    }

    private static string Describe(AuthorizationFailure? failure, Caller caller)
    {
        var who = $"The caller ({caller.Role ?? "no"} role{(caller.Tenant is null ? "" : $", tenant {caller.Tenant}")}{(caller.Subject is null ? "" : $", user {caller.Subject}")})";
        if (failure?.FailureReasons.FirstOrDefault() is { } reason)
        {
            return $"{who} {reason.Message}";
        }
        if (failure?.FailedRequirements.OfType<ClaimsAuthorizationRequirement>().FirstOrDefault(r => r.ClaimType == ClaimNames.Role) is { } role)
        {
            return $"{who} may not call this: it needs the {string.Join(" or ", role.AllowedValues ?? [])} role.";
        }
        return $"{who} may not call this.";
    }
}
