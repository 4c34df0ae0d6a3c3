using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Apis;

/// <summary>👍 / 👎 on a user's matches: <c>/users/{userId}/matches/{matchId}/feedback</c>, and what it has done so far.</summary>
public static class FeedbackApi
{
    public static RouteGroupBuilder MapFeedbackApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/users/{userId}").WithTags("Attention");
        api.MapPost("/matches/{matchId}/feedback", PostFeedback)
            .WithSummary("Marks a match in the user's history relevant or not: moves its interest's threshold and keeps \"not like this\" examples.");
        api.MapGet("/feedback", GetFeedback).WithSummary("Each interest's feedback: threshold in use, offset, examples kept.");
        return api;
    }

    public static async Task<Results<Ok<InterestFeedback>, ProblemHttpResult, ValidationProblem>> PostFeedback(
        string userId, string matchId, FeedbackBody body, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        if (body.Relevant is not { } relevant)
        {
            return ValidationProblems.Of("relevant", "relevant must be true or false");
        }
        return await grains.GetGrain<IUserGrain>(userId).GiveFeedback(matchId, relevant) is { } feedback
            ? TypedResults.Ok(feedback)
            : TypedResults.Problem($"User '{userId}' has no match '{matchId}' in its recent history (or its interest is gone).",
                statusCode: StatusCodes.Status404NotFound, title: "Match not found");
    }

    public static async Task<Results<Ok<IReadOnlyList<InterestFeedback>>, ValidationProblem>> GetFeedback(string userId, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await grains.GetGrain<IUserGrain>(userId).GetFeedback());
    }
}

public sealed record FeedbackBody(bool? Relevant);
