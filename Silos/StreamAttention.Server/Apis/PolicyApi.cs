using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>A user's delivery policy and digests: <c>/tenants/{tenant}/users/{userId}/policy</c>, <c>…/digests</c> (and under <c>/users/{userId}</c>).</summary>
public static class PolicyApi
{
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app) => app.MapUserRoutes("Attention", user =>
    {
        user.MapGet("/policy", GetPolicy).WithSummary("The user's delivery policy (the defaults until one is stored).");
        user.MapPut("/policy", PutPolicy).WithSummary("Stores the user's delivery policy; a missing section keeps its default.");
        user.MapGet("/digests", GetDigests).WithSummary("The user's most recent digests, newest first.");
    });

    public static async Task<Ok<DeliveryPolicy>> GetPolicy(UserScope user, IGrainFactory grains)
        => TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.Key).GetPolicy());

    public static async Task<Results<Ok<DeliveryPolicy>, ValidationProblem>> PutPolicy(UserScope user, PolicyBody body, IGrainFactory grains)
    {
        var defaults = DeliveryPolicy.Default;
        var policy = new DeliveryPolicy(body.Duplicates ?? defaults.Duplicates, body.RateLimit ?? defaults.RateLimit, body.Digest ?? defaults.Digest,
            body.QuietHours, body.Mutes ?? []);
        var errors = await grains.GetGrain<IUserGrain>(user.Key).PutPolicy(policy);
        return errors.Count > 0 ? ValidationProblems.Of(errors) : TypedResults.Ok(policy);
    }

    public static async Task<Results<Ok<UserDigests>, ValidationProblem>> GetDigests(UserScope user, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 || limit > AttentionFilter.RecentDigests)
        {
            return ValidationProblems.Of("limit", $"limit must be in [1, {AttentionFilter.RecentDigests}]");
        }
        return TypedResults.Ok(new UserDigests(user.UserId, await grains.GetGrain<IUserGrain>(user.Key).GetDigests(limit ?? AttentionFilter.RecentDigests)));
    }
}

/// <summary>PUT body of a delivery policy; a missing section is the default's (no quiet hours, no mutes).</summary>
public sealed record PolicyBody(DuplicatePolicy? Duplicates = null, RateLimitPolicy? RateLimit = null, DigestPolicy? Digest = null, QuietHoursPolicy? QuietHours = null,
    IReadOnlyList<MuteRule>? Mutes = null);

public sealed record UserDigests(string UserId, IReadOnlyList<Digest> Digests);
