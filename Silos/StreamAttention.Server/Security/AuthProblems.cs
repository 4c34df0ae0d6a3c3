using Microsoft.AspNetCore.Mvc;

namespace StreamAttention.Server.Security;

/// <summary>The 401 answer as problem details, saying what was wrong with the credentials when something was.</summary>
internal static class AuthProblems
{
    public const string Unauthorized = "Send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key or Authorization: ApiKey …).";

    public static async Task WriteUnauthorizedAsync(HttpContext context, string? failure)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "Unauthorized",
                Detail = failure is null ? Unauthorized : $"{failure} {Unauthorized}",
            },
        });
    }
}
