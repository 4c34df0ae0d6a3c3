using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// A user's data as a whole, for data-protection requests: <c>DELETE /tenants/{tenant}/users/{userId}</c> erases it
/// (GDPR art. 17), <c>GET …/export</c> returns it (art. 15); the same under <c>/users/{userId}</c>. The user, its
/// tenant's admin or an operator, as for the user's other routes.
/// </summary>
public static class UserDataApi
{
    public static IEndpointRouteBuilder MapUserDataApi(this IEndpointRouteBuilder app) => app.MapUserRoutes("Users", user =>
    {
        user.MapDelete("", Erase).WithSummary("Erases everything kept about the user: interests, policy, feedback, history, digests, attention state, "
            + "shard membership and the silos' scoring rows; the user's live streams end. 204 also when nothing was stored. "
            + "503 when a step failed: the problem names the steps done (done), the failed one (failedStep) and those left (left); "
            + "repeating the DELETE finishes the erasure. Matches already published to Kafka stay until the topics' retention removes them.");
        user.MapGet("/export", Export).WithSummary("Everything kept about the user as one document: interests, stored policy (null: the defaults), "
            + "feedback, recent matches, recent digests and the matches waiting for the next digest. 404 when nothing is kept: a user never "
            + "known and an erased one answer alike.").ProducesProblem(StatusCodes.Status404NotFound);
    });

    public static async Task<Results<NoContent, ProblemHttpResult>> Erase(UserScope user, IGrainFactory grains)
    {
        var outcome = await grains.GetGrain<IUserGrain>(user.Key).Erase();
        return outcome.FailedStep is not { } failed
            ? TypedResults.NoContent()
            : TypedResults.Problem($"Erasing user '{user.Key}' stopped at step '{failed}'; the steps before it are done. Repeat the request to finish the erasure.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Erasure incomplete",
                extensions: new Dictionary<string, object?> { ["done"] = outcome.Done, ["failedStep"] = failed, ["left"] = outcome.Left });
    }

    public static async Task<Results<Ok<UserDataExport>, ProblemHttpResult>> Export(UserScope user, IGrainFactory grains)
    {
        var export = await grains.GetGrain<IUserGrain>(user.Key).Export();
        return export.KeepsNothing() ? KnownUsers.NothingKept(user.Key) : TypedResults.Ok(export);
    }
}
