using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>👍 / 👎 on a user's matches: <c>/tenants/{tenant}/users/{userId}/matches/{matchId}/feedback</c> (and under <c>/users/{userId}</c>), and what it has done so far.</summary>
public static class FeedbackApi
{
    public static IEndpointRouteBuilder MapFeedbackApi(this IEndpointRouteBuilder app) => app.MapUserRoutes("Attention", user =>
    {
        user.MapPost("/matches/{matchId}/feedback", PostFeedback)
            .WithSummary("Marks a match in the user's history relevant or not: moves its interest's threshold and keeps \"not like this\" examples.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        user.MapGet("/feedback", GetFeedback).WithSummary("Each interest's feedback: threshold in use, offset, examples kept. 404 when nothing is kept about the user (never known, or erased).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    });

    public static async Task<Results<Ok<InterestFeedback>, ProblemHttpResult, ValidationProblem>> PostFeedback(
        UserScope user, string matchId, FeedbackBody body, IGrainFactory grains)
    {
        if (body.Relevant is not { } relevant)
        {
            return ValidationProblems.Of("relevant", "relevant must be true or false");
        }
        return await grains.GetGrain<IUserGrain>(user.Key).GiveFeedback(matchId, relevant) is { } feedback
            ? TypedResults.Ok(feedback)
            : await KnownUsers.NotFoundUnlessKeptAsync(grains, user.Key) ?? TypedResults.Problem($"User '{user.Key}' has no match '{matchId}' in its recent history (or its interest is gone).",
                statusCode: StatusCodes.Status404NotFound, title: "Match not found");
    }

    public static async Task<Results<Ok<IReadOnlyList<InterestFeedback>>, ProblemHttpResult>> GetFeedback(UserScope user, IGrainFactory grains)
    {
        var feedback = await grains.GetGrain<IUserGrain>(user.Key).GetFeedback();
        return feedback.Count == 0 && await KnownUsers.NotFoundUnlessKeptAsync(grains, user.Key) is { } unknown ? unknown : TypedResults.Ok(feedback);
    }
}

public sealed record FeedbackBody(bool? Relevant);
