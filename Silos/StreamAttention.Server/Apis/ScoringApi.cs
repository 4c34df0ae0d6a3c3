using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Options;

namespace StreamAttention.Server.Apis;

/// <summary><c>POST /score</c> and the users' recent matches.</summary>
public static class ScoringApi
{
    /// <summary>Bounds the embedded batch sent to every shard (~26 MB at 64 tokens of 100 floats per text), well under Orleans' message size limit.</summary>
    public const int MaxTexts = 1024;
    public const int MaxTextLength = 100_000;

    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/score", Score).WithTags("Scoring")
            .WithSummary("Scores texts against every user's interests (or one user's) and appends the matches to the users' histories.");
        app.MapGet("/users/{userId}/matches", GetMatches).WithTags("Scoring")
            .WithSummary("The user's most recent matches, newest first.");
        return app;
    }

    public static async Task<Results<Ok<ScoreResponse>, ValidationProblem>> Score(ScoreBody body, IGrainFactory grains)
    {
        if (body.Texts is not { Count: > 0 and <= MaxTexts } texts)
        {
            return ValidationProblems.Of("texts", $"texts must hold 1 to {MaxTexts} strings");
        }
        if (texts.Any(t => t is null || t.Length > MaxTextLength))
        {
            return ValidationProblems.Of("texts", $"every text must be a string of at most {MaxTextLength} characters");
        }
        if (body.UserId is not null && ValidationProblems.ForUserId(body.UserId) is { } problem)
        {
            return problem;
        }
        var matches = await grains.GetGrain<IScoringGatewayGrain>(0).Score(texts!, body.UserId);
        return TypedResults.Ok(new ScoreResponse(matches));
    }

    public static async Task<Results<Ok<UserMatches>, ValidationProblem>> GetMatches(string userId, int? limit, IGrainFactory grains, IOptions<InterestLimitsOptions> limits)
    {
        if (ValidationProblems.ForUserId(userId) is { } problem)
        {
            return problem;
        }
        var historySize = limits.Value.MatchHistorySize;
        if (limit is < 1 || limit > historySize)
        {
            return ValidationProblems.Of("limit", $"limit must be in [1, {historySize}]");
        }
        return TypedResults.Ok(new UserMatches(userId, await grains.GetGrain<IUserGrain>(userId).GetMatches(limit ?? historySize)));
    }
}
