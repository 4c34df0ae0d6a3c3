using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Grains.Live;
using StreamAttention.Silo.Dashboard;

namespace StreamAttention.Silo.Apis;

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
    {
        var cancellationToken = context.RequestAborted;
        return TypedResults.ServerSentEvents(Events(context, feed.ListenAsync(userId, options.Value.StreamQueueCapacity, cancellationToken), cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<LiveMatch>> Events(HttpContext context, IAsyncEnumerable<LiveMatch> matches, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The result has set the event-stream headers but sends them only with the first event: send them now, so a
        // client knows it is connected (EventSource's "open") even while no user matches.
        await context.Response.Body.FlushAsync(cancellationToken);
        await foreach (var match in matches.WithCancellation(cancellationToken))
        {
            yield return new SseItem<LiveMatch>(match, EventType);
        }
    }
}
