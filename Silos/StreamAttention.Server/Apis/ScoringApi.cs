using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Options;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary><c>POST /score</c> (operators: it writes into the matched users' histories and live streams) and a user's recent matches.</summary>
public static class ScoringApi
{
    public const int MaxTextLength = 100_000;

    public const int MaxSourceIdLength = 1_000;

    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/score", Score).WithTags("Scoring")
            .WithSummary("Scores texts against every user's interests (or one user's, a \"tenant/user\" key) and appends the matches to the users' histories. Operators only.")
            .RequireOperator().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit).WithRequestBodyLimit();
        app.MapUserRoutes("Scoring", user => user.MapGet("/matches", GetMatches)
            .WithSummary("The user's most recent matches, newest first; ?delivery=immediate,… keeps those kinds only."));
        return app;
    }

    public static async Task<Results<Ok<ScoreResponse>, ValidationProblem, ProblemHttpResult>> Score(ScoreBody body, IGrainFactory grains, IOptions<LimitsOptions> limits)
    {
        var maxTexts = limits.Value.MaxScoreTexts;
        if (body.Texts is { Count: > 0 } tooMany && tooMany.Count > maxTexts)
        {
            return TypedResults.Problem($"texts holds {tooMany.Count} strings; at most {maxTexts} are allowed per request (Limits:MaxScoreTexts).",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many texts");
        }
        if (body.Texts is not { Count: > 0 } texts)
        {
            return ValidationProblems.Of("texts", $"texts must hold 1 to {maxTexts} strings");
        }
        if (texts.Any(t => t is null || t.Length > MaxTextLength))
        {
            return ValidationProblems.Of("texts", $"every text must be a string of at most {MaxTextLength} characters");
        }
        if (body.UserId is not null && ValidationProblems.ForUserId(body.UserId) is { } problem)
        {
            return problem;
        }
        if (body.SourceIds is { } sourceIds && (sourceIds.Count != texts.Count || sourceIds.Any(id => string.IsNullOrWhiteSpace(id) || id.Length > MaxSourceIdLength)))
        {
            return ValidationProblems.Of("sourceIds", $"sourceIds, when given, must hold one non-blank string of at most {MaxSourceIdLength} characters per text");
        }
        var matches = await grains.GetGrain<IScoringGatewayGrain>(0).Score(texts!, body.UserId, sourceIds: body.SourceIds!);
        return TypedResults.Ok(new ScoreResponse(matches));
    }

    public static async Task<Results<Ok<UserMatches>, ValidationProblem>> GetMatches(UserScope user, int? limit, string? delivery, IGrainFactory grains,
        IOptions<InterestLimitsOptions> limits)
    {
        var historySize = limits.Value.MatchHistorySize;
        if (limit is < 1 || limit > historySize)
        {
            return ValidationProblems.Of("limit", $"limit must be in [1, {historySize}]");
        }
        if (DeliveryFilter.Parse(delivery, out var kinds) is { } error)
        {
            return ValidationProblems.Of("delivery", error);
        }
        var grain = grains.GetGrain<IUserGrain>(user.Key);
        // The newest of the kinds asked for: the history is read whole (at most MatchHistorySize) and then cut.
        var matches = kinds is null ? await grain.GetMatches(limit ?? historySize)
            : (await grain.GetMatches(historySize)).Where(m => m.Delivery is { } kind && kinds.Contains(kind)).Take(limit ?? historySize).ToArray();
        return TypedResults.Ok(new UserMatches(user.UserId, matches));
    }
}
