using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Grains.Live;
using StreamAttention.Server.Dashboard;

namespace StreamAttention.Server.Apis;

/// <summary>Live filtered streams as server-sent events (event "match", data a <see cref="LiveMatch"/>): one user's, or everyone's.</summary>
public static class MatchStreamApi
{
    public const string EventType = "match";

    public static IEndpointRouteBuilder MapMatchStreamApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/users/{userId}/matches/stream", StreamUser).WithTags("Live")
            .WithSummary("The user's matches from now on, as server-sent events, whichever silo scored them.");
        app.MapGet("/matches/stream", StreamAll).WithTags("Live")
            .WithSummary("Every user's matches from now on, as server-sent events.");
        return app;
    }

    public static IResult StreamUser(string userId, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => (IResult?)ValidationProblems.ForUserId(userId) ?? Stream(userId, context, feed, options);

    public static IResult StreamAll(HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => Stream(null, context, feed, options);

    private static IResult Stream(string? userId, HttpContext context, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options)
        => TypedResults.ServerSentEvents(Events(userId, context, feed, options.Value.StreamQueueCapacity, context.RequestAborted));

    private static async IAsyncEnumerable<SseItem<LiveMatch>> Events(
        string? userId, HttpContext context, MatchBroadcaster feed, int capacity, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var subscription = feed.Subscribe(userId, capacity);
        // The result has set the event-stream headers but sends them only with the first event: send them now that
        // the subscription exists, so a client that sees the headers (EventSource's "open") misses no later match.
        await context.Response.Body.FlushAsync(cancellationToken);
        await foreach (var match in subscription.ReadAllAsync(cancellationToken))
        {
            yield return new SseItem<LiveMatch>(match, EventType);
        }
    }
}
