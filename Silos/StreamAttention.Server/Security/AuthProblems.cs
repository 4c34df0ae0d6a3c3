using StreamAttention.Server.Apis;

namespace StreamAttention.Server.Security;

/// <summary>The 401 answer as problem details, saying what was wrong with the credentials when something was.</summary>
internal static class AuthProblems
{
    public const string Unauthorized = "Send a bearer token (Authorization: Bearer …) or an API key (X-Api-Key or Authorization: ApiKey …).";

    public static Task WriteUnauthorizedAsync(HttpContext context, string? failure)
        => ProblemResponses.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", failure is null ? Unauthorized : $"{failure} {Unauthorized}");
}
