using Microsoft.AspNetCore.Mvc;

namespace StreamAttention.Server.Apis;

/// <summary>
/// A refusal written as problem details by a middleware or handler outside the endpoints (401, 403, 413, 429), where
/// no <c>TypedResults.Problem</c> can be returned; nothing when the answer has started.
/// </summary>
internal static class ProblemResponses
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted)
        {
            return;
        }
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }
}
