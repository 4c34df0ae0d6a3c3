using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Users;
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
            .WithSummary("Scores texts against every user's interests (or one user's, a \"tenant/user\" key: 404 when it has no interests) and appends the matches to the users' histories. Operators only.")
            .ProducesProblem(StatusCodes.Status404NotFound).RequireOperator().RequireRateLimiting(SecurityHostingExtensions.PerCallerRateLimit).WithRequestBodyLimit();
        app.MapUserRoutes("Scoring", user => user.MapGet("/matches", GetMatches)
            .WithSummary("The user's most recent matches, newest first; ?delivery=immediate,… keeps those kinds only, ?after=<match id> those newer than that match. "
                + "404 when nothing is kept about the user (never known, or erased).")
            .ProducesProblem(StatusCodes.Status404NotFound));
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
        if (texts.Any(string.IsNullOrWhiteSpace))
        {
            // As the Kafka ingest, which dead-letters such a message (missing-text): an empty text matches nothing.
            return ValidationProblems.Of("texts", "every text must hold more than white space");
        }
        if (body.UserId is not null && ValidationProblems.ForUserId(body.UserId) is { } problem)
        {
            return problem;
        }
        if (body.SourceIds is { } sourceIds && (sourceIds.Count != texts.Count || sourceIds.Any(id => string.IsNullOrWhiteSpace(id) || id.Length > MaxSourceIdLength)))
        {
            return ValidationProblems.Of("sourceIds", $"sourceIds, when given, must hold one non-blank string of at most {MaxSourceIdLength} characters per text");
        }
        if (body.UserId is not null && await KnownUsers.NotFoundUnlessKnownAsync(grains, body.UserId) is { } unknown)
        {
            return unknown;
        }
        var matches = await grains.GetGrain<IScoringGatewayGrain>(ScoringGatewayKeys.Requests).Score(texts!, body.UserId, sourceIds: body.SourceIds!);
        return TypedResults.Ok(new ScoreResponse(matches));
    }

    /// <param name="after">Only the matches newer than this match id (a client catching up after the last one it showed).</param>
    public static async Task<Results<Ok<UserMatches>, ValidationProblem, ProblemHttpResult>> GetMatches(UserScope user, int? limit, string? delivery, string? after,
        IGrainFactory grains, IOptions<InterestLimitsOptions> limits)
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
        // Without a filter, the newest of those asked for; with one, the history is read whole (at most
        // MatchHistorySize delivered and HeldBackHistorySize held back) and then cut.
        var history = await grains.GetGrain<IUserGrain>(user.Key).GetMatches(kinds is null && after is null ? limit ?? historySize : int.MaxValue);
        if (history.Count == 0 && await KnownUsers.NotFoundUnlessKeptAsync(grains, user.Key) is { } unknown)
        {
            return unknown;
        }
        if (kinds is null && after is null)
        {
            return TypedResults.Ok(new UserMatches(user.UserId, history));
        }
        IEnumerable<UserMatch> matches = history;
        if (after is not null)
        {
            // Newest first: the matches before the latest copy of that id (a match scored again keeps its id).
            var newer = history.TakeWhile(m => m.MatchId != after).ToArray();
            if (newer.Length == history.Count)
            {
                return TypedResults.Problem($"Match {after} is not in the user's history (it keeps the newest {historySize} delivered and {limits.Value.HeldBackHistorySize} held back): read it without 'after'.",
                    statusCode: StatusCodes.Status404NotFound, title: "Match not in the history");
            }
            matches = newer;
        }
        if (kinds is not null)
        {
            matches = matches.Where(m => m.Delivery is { } kind && kinds.Contains(kind));
        }
        return TypedResults.Ok(new UserMatches(user.UserId, matches.Take(limit ?? historySize).ToArray()));
    }
}
