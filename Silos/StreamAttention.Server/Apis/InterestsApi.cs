using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>A user's interests: <c>/tenants/{tenant}/users/{userId}/interests</c> (and <c>/users/{userId}/interests</c>).</summary>
public static class InterestsApi
{
    public static IEndpointRouteBuilder MapInterestsApi(this IEndpointRouteBuilder app) => app.MapUserRoutes("Interests", user =>
    {
        user.MapGet("/interests", GetInterests).WithSummary("The user's interests, by id.");
        user.MapGet("/interests/{interestId}", GetInterest).WithSummary("One interest.").ProducesProblem(StatusCodes.Status404NotFound);
        user.MapPut("/interests/{interestId}", PutInterest).WithSummary("Creates or replaces an interest; its text is embedded before it is stored. Optional require / exclude: terms a message must all hold / must not hold.")
            .ProducesProblem(StatusCodes.Status403Forbidden);
        user.MapDelete("/interests/{interestId}", DeleteInterest).WithSummary("Removes an interest.").ProducesProblem(StatusCodes.Status404NotFound);
    });

    public static async Task<Ok<UserInterests>> GetInterests(UserScope user, IGrainFactory grains)
        => TypedResults.Ok(new UserInterests(user.UserId, await grains.GetGrain<IUserGrain>(user.Key).GetInterests()));

    public static async Task<Results<Ok<StoredInterest>, ProblemHttpResult>> GetInterest(UserScope user, string interestId, IGrainFactory grains)
        => await grains.GetGrain<IUserGrain>(user.Key).GetInterest(interestId) is { } interest
            ? TypedResults.Ok(interest)
            : await NotFoundAsync(user, interestId, grains);

    public static async Task<Results<Created<StoredInterest>, Ok<StoredInterest>, ValidationProblem, ProblemHttpResult>> PutInterest(
        UserScope user, string interestId, InterestBody body, HttpRequest request, IGrainFactory grains)
    {
        var result = await grains.GetGrain<IUserGrain>(user.Key).PutInterests([new InterestInput(interestId, body.Text ?? "", body.Threshold, body.Require, body.Exclude)]);
        if (QuotaProblems.Of(result.Errors) is { } quota)
        {
            return quota;
        }
        if (result.Errors.Count > 0)
        {
            return ValidationProblems.Of(result.Errors);
        }
        var stored = result.Stored[0];
        return stored.Created == stored.Updated
            ? TypedResults.Created($"{request.Path}", stored)
            : TypedResults.Ok(stored);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteInterest(UserScope user, string interestId, IGrainFactory grains)
        => await grains.GetGrain<IUserGrain>(user.Key).DeleteInterest(interestId) ? TypedResults.NoContent() : await NotFoundAsync(user, interestId, grains);

    /// <summary>"User not found" when nothing is kept about the user (<see cref="KnownUsers"/>), else "Interest not found".</summary>
    private static async Task<ProblemHttpResult> NotFoundAsync(UserScope user, string interestId, IGrainFactory grains)
        => await KnownUsers.NotFoundUnlessKeptAsync(grains, user.Key) ?? TypedResults.Problem($"User '{user.Key}' has no interest '{interestId}'.", statusCode: StatusCodes.Status404NotFound, title: "Interest not found");
}
