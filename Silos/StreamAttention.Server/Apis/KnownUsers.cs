using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Which users the endpoints that act on a user's matches know: those with at least one interest, as the Kafka ingest
/// decides (a message naming any other is dead-lettered <c>unknown-user</c>). Nothing can match a user without one, so
/// scoring for it or streaming its matches is most likely a mistyped id; the interest and policy routes take any user,
/// since that is how a user comes to exist.
/// </summary>
internal static class KnownUsers
{
    /// <summary>A 404 problem when the user <paramref name="userKey"/> ("tenant/user" or a user id) has no interests, else null.</summary>
    public static async Task<ProblemHttpResult?> NotFoundUnlessKnownAsync(IGrainFactory grains, string userKey)
        => (await grains.GetGrain<IUserGrain>(userKey).GetInterests()).Count > 0
            ? null
            : TypedResults.Problem($"User '{userKey}' has no interests.", statusCode: StatusCodes.Status404NotFound, title: "User not found");
}
