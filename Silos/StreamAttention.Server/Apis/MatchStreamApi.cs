using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Grains.Live;
using StreamAttention.Server.Dashboard;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Live filtered streams as server-sent events (event "match", data a <see cref="LiveMatch"/>, id its match id): one
/// user's, one tenant's, or everyone's. A match scored again (a batch retried, a dead letter replayed) keeps its id and
/// may be sent again: a client shows an id once.
/// </summary>
public static class MatchStreamApi
{
    public const string EventType = "match";

    public static IEndpointRouteBuilder MapMatchStreamApi(this IEndpointRouteBuilder app)
    {
        // Each stream holds one of its caller's Limits:StreamsPerCaller connections while it is open, and takes its
        // token from the query (EventSource sends no headers).
        app.MapUserRoutes("Live", user => user.MapGet("/matches/stream", StreamUser).RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().WithSummary("The user's matches from now on, as server-sent events, whichever silo scored them; ?delivery=immediate,… sends those kinds only."));
        app.MapGet("/tenants/{tenant}/matches/stream", StreamTenant).WithTags("Live").RequireTenantAccess().RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().WithSummary("The tenant's users' matches from now on, as server-sent events. The tenant's admins and operators.");
        app.MapGet("/matches/stream", StreamAll).WithTags("Live").RequireOperator().RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().WithSummary("Every user's matches from now on, as server-sent events. Operators only.");
        return app;
    }

    public static IResult StreamUser(UserScope user, string? delivery, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => Stream(user.Key, null, delivery, context, feed, options);

    public static IResult StreamTenant(string tenant, string? delivery, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => UserScope.ValidatePart(tenant) is { } error
            ? ValidationProblems.Of("tenant", $"tenant id {error}")
            : Stream(null, tenant, delivery, context, feed, options);

    public static IResult StreamAll(string? delivery, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => Stream(null, null, delivery, context, feed, options);

    /// <param name="delivery">The delivery kinds to send (<see cref="DeliveryFilter"/>); null: every decision.</param>
    private static IResult Stream(string? userKey, string? tenant, string? delivery, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => DeliveryFilter.Parse(delivery, out var kinds) is { } error
            ? ValidationProblems.Of("delivery", error)
            : TypedResults.ServerSentEvents(Events(userKey, tenant, kinds, context, feed, options.Value.StreamQueueCapacity, context.RequestAborted));

    private static async IAsyncEnumerable<SseItem<LiveMatch>> Events(string? userKey, string? tenant, IReadOnlySet<string>? kinds, HttpContext context,
        MatchBroadcaster feed, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = feed.Subscribe(userKey, capacity, tenant);
        // The result has set the event-stream headers but sends them only with the first event: send them now that
        // the subscription exists, so a client that sees the headers (EventSource's "open") misses no later match.
        await context.Response.Body.FlushAsync(cancellationToken);
        await foreach (var match in subscription.ReadAllAsync(cancellationToken))
        {
            if (kinds is not null && (match.Match.Delivery is not { } kind || !kinds.Contains(kind)))
            {
                continue;
            }
            yield return new SseItem<LiveMatch>(match, EventType) { EventId = match.Match.MatchId is { Length: > 0 } id ? id : null };
        }
    }
}
