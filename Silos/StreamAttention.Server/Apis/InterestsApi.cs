using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Server.Apis;

/// <summary>A user's interests: <c>/users/{userId}/interests</c>.</summary>
public static class InterestsApi
{
    public static RouteGroupBuilder MapInterestsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/users/{userId}/interests").WithTags("Interests");
        api.MapGet("/", GetInterests).WithSummary("The user's interests, by id.");
        api.MapGet("/{interestId}", GetInterest).WithSummary("One interest.");
        api.MapPut("/{interestId}", PutInterest).WithSummary("Creates or replaces an interest; its text is embedded before it is stored.");
        api.MapDelete("/{interestId}", DeleteInterest).WithSummary("Removes an interest.");
        return api;
    }

    public static async Task<Results<Ok<UserInterests>, ValidationProblem>> GetInterests(string userId, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(new UserInterests(userId, await grains.GetGrain<IUserGrain>(userId).GetInterests()));
    }

    public static async Task<Results<Ok<StoredInterest>, ProblemHttpResult, ValidationProblem>> GetInterest(string userId, string interestId, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        return await grains.GetGrain<IUserGrain>(userId).GetInterest(interestId) is { } interest
            ? TypedResults.Ok(interest)
            : NotFound(userId, interestId);
    }

    public static async Task<Results<Created<StoredInterest>, Ok<StoredInterest>, ValidationProblem>> PutInterest(
        string userId, string interestId, InterestBody body, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        var result = await grains.GetGrain<IUserGrain>(userId).PutInterests([new InterestInput(interestId, body.Text ?? "", body.Threshold)]);
        if (result.Errors.Count > 0)
        {
            return ValidationProblems.Of(result.Errors);
        }
        var stored = result.Stored[0];
        return stored.Created == stored.Updated
            ? TypedResults.Created($"/users/{userId}/interests/{interestId}", stored)
            : TypedResults.Ok(stored);
    }

    public static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> DeleteInterest(string userId, string interestId, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        return await grains.GetGrain<IUserGrain>(userId).DeleteInterest(interestId) ? TypedResults.NoContent() : NotFound(userId, interestId);
    }

    private static ProblemHttpResult NotFound(string userId, string interestId)
        => TypedResults.Problem($"User '{userId}' has no interest '{interestId}'.", statusCode: StatusCodes.Status404NotFound, title: "Interest not found");
}
