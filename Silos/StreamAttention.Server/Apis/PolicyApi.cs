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
        user.MapPut("/policy", PutPolicy).WithSummary("Stores the user's delivery policy; a missing section keeps its default. A user with a policy alone "
            + "counts against its tenant's Tenants:MaxUsers (403 when the tenant has its maximum).").ProducesProblem(StatusCodes.Status403Forbidden);
        user.MapGet("/digests", GetDigests).WithSummary("The user's most recent digests, newest first. 404 when nothing is kept about the user (never known, or erased).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    });

    public static async Task<Ok<DeliveryPolicy>> GetPolicy(UserScope user, IGrainFactory grains)
        => TypedResults.Ok(await grains.GetGrain<IUserGrain>(user.Key).GetPolicy());

    public static async Task<Results<Ok<DeliveryPolicy>, ValidationProblem, ProblemHttpResult>> PutPolicy(UserScope user, PolicyBody body, IGrainFactory grains)
    {
        var policy = body.ToPolicy();
        var errors = await grains.GetGrain<IUserGrain>(user.Key).PutPolicy(policy);
        if (QuotaProblems.Of(errors) is { } quota)
        {
            return quota;
        }
        return errors.Count > 0 ? ValidationProblems.Of(errors) : TypedResults.Ok(policy);
    }

    public static async Task<Results<Ok<UserDigests>, ValidationProblem, ProblemHttpResult>> GetDigests(UserScope user, int? limit, IGrainFactory grains)
    {
        if (limit is < 1 || limit > AttentionFilter.RecentDigests)
        {
            return ValidationProblems.Of("limit", $"limit must be in [1, {AttentionFilter.RecentDigests}]");
        }
        var digests = await grains.GetGrain<IUserGrain>(user.Key).GetDigests(limit ?? AttentionFilter.RecentDigests);
        return digests.Count == 0 && await KnownUsers.NotFoundUnlessKeptAsync(grains, user.Key) is { } unknown
            ? unknown
            : TypedResults.Ok(new UserDigests(user.UserId, digests));
    }
}

/// <summary>
/// PUT body of a delivery policy; a missing section is the default's (no quiet hours, no mutes), and a missing field of
/// the duplicates, rate limit or digest section the default's field: <c>{"duplicates": {"enabled": false}}</c> is enough.
/// </summary>
public sealed record PolicyBody(DuplicatesBody? Duplicates = null, RateLimitBody? RateLimit = null, DigestBody? Digest = null, QuietHoursPolicy? QuietHours = null,
    IReadOnlyList<MuteRule>? Mutes = null)
{
    /// <summary>The policy this body stores: its sections over the defaults.</summary>
    public DeliveryPolicy ToPolicy()
    {
        var defaults = DeliveryPolicy.Default;
        return new DeliveryPolicy(Duplicates?.Over(defaults.Duplicates) ?? defaults.Duplicates, RateLimit?.Over(defaults.RateLimit) ?? defaults.RateLimit,
            Digest?.Over(defaults.Digest) ?? defaults.Digest, QuietHours, Mutes ?? []);
    }
}

public sealed record DuplicatesBody(bool? Enabled = null, TimeSpan? DuplicateWindow = null, double? Similarity = null)
{
    public DuplicatePolicy Over(DuplicatePolicy defaults)
        => new(Enabled ?? defaults.Enabled, DuplicateWindow ?? defaults.DuplicateWindow, Similarity ?? defaults.Similarity);
}

public sealed record RateLimitBody(int? MaxImmediate = null, TimeSpan? Window = null)
{
    public RateLimitPolicy Over(RateLimitPolicy defaults) => new(MaxImmediate ?? defaults.MaxImmediate, Window ?? defaults.Window);
}

public sealed record DigestBody(TimeSpan? DigestEvery = null, int? DigestSize = null)
{
    public DigestPolicy Over(DigestPolicy defaults) => new(DigestEvery ?? defaults.DigestEvery, DigestSize ?? defaults.DigestSize);
}

public sealed record UserDigests(string UserId, IReadOnlyList<Digest> Digests);
