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

    public static IResult StreamUser(string userId, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options, CancellationToken cancellationToken)
        => (IResult?)ValidationProblems.ForUserId(userId) ?? Stream(userId, feed, options, cancellationToken);

    public static IResult StreamAll(MatchBroadcaster feed, IOptions<LiveDashboardOptions> options, CancellationToken cancellationToken)
        => Stream(null, feed, options, cancellationToken);

    private static IResult Stream(string? userId, MatchBroadcaster feed, IOptions<LiveDashboardOptions> options, CancellationToken cancellationToken)
        => TypedResults.ServerSentEvents(Events(feed.ListenAsync(userId, options.Value.StreamQueueCapacity, cancellationToken), cancellationToken));

    private static async IAsyncEnumerable<SseItem<LiveMatch>> Events(IAsyncEnumerable<LiveMatch> matches, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var match in matches.WithCancellation(cancellationToken))
        {
            yield return new SseItem<LiveMatch>(match, EventType);
        }
    }
}
