using StreamAttention.Server.Apis;

namespace StreamAttention.Server.Security;

/// <summary>The 401 answer as problem details, saying what was wrong with the credentials when something was.</summary>
internal static class AuthProblems
{
    public const string Unauthorized = "Send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key or Authorization: ApiKey …).";

    /// <summary>The challenge of every 401 (RFC 9110 §11.6.1): the schemes a client may answer with.</summary>
    public const string Challenge = "Bearer, ApiKey";

    public static Task WriteUnauthorizedAsync(HttpContext context, string? failure)
    {
        context.Response.Headers.WWWAuthenticate = Challenge;
        return ProblemResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", failure is null ? Unauthorized : $"{failure} {Unauthorized}");
    }
}
