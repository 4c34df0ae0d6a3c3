using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Which users a user's routes know, by what the route does. Writing interests or a policy takes any user: that is how
/// a user comes to exist, and reading them answers the empty list and the defaults before. Reading what the service
/// kept for a user (matches, digests, feedback, export) answers 404 when nothing is kept about the user at all, as for
/// a user never known or erased; a known one gets its lists, empty or not. A route of one interest or match answers
/// "User not found" for such a user too, not that the item is missing: a mistyped user id is told from a missing item.
/// Scoring for a user or streaming its matches needs an interest, as the Kafka ingest does (a message naming any other
/// is dead-lettered <c>unknown-user</c>): nothing can match a user without one, so that is most likely a mistyped id.
/// </summary>
internal static class KnownUsers
{
    /// <summary>
    /// A 404 problem when the user <paramref name="userKey"/> ("tenant/user" or a user id) has no interests, else null:
    /// a call answering one bool, not the interests.
    /// </summary>
    public static async Task<ProblemHttpResult?> NotFoundUnlessKnownAsync(IGrainFactory grains, string userKey)
        => await grains.GetGrain<IUserGrain>(userKey).HasInterests()
            ? null
            : TypedResults.Problem($"User '{userKey}' has no interests.", statusCode: StatusCodes.Status404NotFound, title: "User not found");

    /// <summary>
    /// A 404 problem when nothing is kept about the user, else null. For a read that came back empty (or found no such
    /// item): the user's grain is active already (the read activated it), so this costs a call to it answering one bool,
    /// and no store read.
    /// </summary>
    public static async Task<ProblemHttpResult?> NotFoundUnlessKeptAsync(IGrainFactory grains, string userKey)
        => await grains.GetGrain<IUserGrain>(userKey).HoldsAnything() ? null : NothingKept(userKey);

    public static ProblemHttpResult NothingKept(string userKey)
        => TypedResults.Problem($"Nothing is kept about user '{userKey}'.", statusCode: StatusCodes.Status404NotFound, title: "User not found");
}
