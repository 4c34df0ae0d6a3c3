using Microsoft.AspNetCore.Http.HttpResults;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Attention;

namespace StreamAttention.Server.Apis;

/// <summary>A user's delivery policy and digests: <c>/users/{userId}/policy</c>, <c>/users/{userId}/digests</c>.</summary>
public static class PolicyApi
{
    public static RouteGroupBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/users/{userId}").WithTags("Attention");
        api.MapGet("/policy", GetPolicy).WithSummary("The user's delivery policy (the defaults until one is stored).");
        api.MapPut("/policy", PutPolicy).WithSummary("Stores the user's delivery policy; a missing section keeps its default.");
        api.MapGet("/digests", GetDigests).WithSummary("The user's most recent digests, newest first.");
        return api;
    }

    public static async Task<Results<Ok<DeliveryPolicy>, ValidationProblem>> GetPolicy(string userId, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await grains.GetGrain<IUserGrain>(userId).GetPolicy());
    }

    public static async Task<Results<Ok<DeliveryPolicy>, ValidationProblem>> PutPolicy(string userId, PolicyBody body, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        var defaults = DeliveryPolicy.Default;
        var policy = new DeliveryPolicy(body.Duplicates ?? defaults.Duplicates, body.RateLimit ?? defaults.RateLimit, body.Digest ?? defaults.Digest,
            body.QuietHours, body.Mutes ?? []);
        var errors = await grains.GetGrain<IUserGrain>(userId).PutPolicy(policy);
        return errors.Count > 0 ? ValidationProblems.Of(errors) : TypedResults.Ok(policy);
    }

    public static async Task<Results<Ok<UserDigests>, ValidationProblem>> GetDigests(string userId, int? limit, IGrainFactory grains)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        if (limit is < 1 || limit > AttentionFilter.RecentDigests)
        {
            return ValidationProblems.Of("limit", $"limit must be in [1, {AttentionFilter.RecentDigests}]");
        }
        return TypedResults.Ok(new UserDigests(userId, await grains.GetGrain<IUserGrain>(userId).GetDigests(limit ?? AttentionFilter.RecentDigests)));
    }
}

/// <summary>PUT body of a delivery policy; a missing section is the default's (no quiet hours, no mutes).</summary>
public sealed record PolicyBody(DuplicatePolicy? Duplicates, RateLimitPolicy? RateLimit, DigestPolicy? Digest, QuietHoursPolicy? QuietHours, IReadOnlyList<MuteRule>? Mutes);

public sealed record UserDigests(string UserId, IReadOnlyList<Digest> Digests);
