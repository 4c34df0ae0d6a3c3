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
            + "Matches already published to Kafka stay until the topics' retention removes them.");
        user.MapGet("/export", Export).WithSummary("Everything kept about the user as one document: interests, stored policy (null: the defaults), "
            + "feedback, recent matches, recent digests and the matches waiting for the next digest.");
    });

    public static async Task<NoContent> Erase(UserScope user, IGrainFactory grains)
    {
        await grains.GetGrain<IUserGrain>(user.Key).Erase();
        return TypedResults.NoContent();
    }

    public static async Task<Ok<UserDataExport>> Export(UserScope user, IGrainFactory grains)
        => TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.Key).Export());
}
