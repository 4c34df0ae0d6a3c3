namespace StreamAttention.Server.Apis;

/// <summary>
/// A refusal written as problem details by a middleware or handler outside the endpoints (401, 403, 413, 429), where
/// no <c>TypedResults.Problem</c> can be returned; nothing when the answer has started. Written as the endpoints' are
/// (the problem-details service, else plain JSON), so a caller that accepts only <c>text/event-stream</c> (a browser's
/// EventSource on a live stream) gets its status too, not a failure to find a writer for its Accept header.
/// </summary>
internal static class ProblemResponses
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
        => context.Response.HasStarted ? Task.CompletedTask : TypedResults.Problem(detail, statusCode: status, title: title, type: TypeOf(status)).ExecuteAsync(context);

    /// <summary>
    /// The type of a status ASP.NET Core names none for (it does for the others): a client that keys on the type should
    /// not find a 413 or 429 blank.
    /// </summary>
    public static string? TypeOf(int? status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
        _ => null,
    };
}
