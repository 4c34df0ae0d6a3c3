using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Live;
using StreamAttention.Grains.Live;
using StreamAttention.Server.Dashboard;
using StreamAttention.Server.Hosting;
using StreamAttention.Server.Options;
using StreamAttention.Server.Security;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Live filtered streams as server-sent events (event "match", data a <see cref="LiveMatch"/>, id its match id): one
/// user's, one tenant's, or everyone's. A match scored again (a batch retried, a dead letter replayed) keeps its id and
/// may be sent again: a client shows an id once. A client that reconnects with <c>Last-Event-ID</c> gets the matches it
/// missed first (of the silo's latest <see cref="Grains.Options.LiveFeedOptions.ResumeMatches"/>); an idle stream gets a
/// comment line every <see cref="LiveDashboardOptions.StreamKeepAlive"/>.
/// </summary>
public static class MatchStreamApi
{
    public const string EventType = "match";

    /// <summary>
    /// Matches may be missing before the ones that follow; the user's history (<c>GET …/matches</c>) has them. Sent
    /// first on a resumed stream whose last seen match is no longer kept (data: <c>{"lastEventId": that id}</c>), and
    /// when a client fell so far behind that its oldest unsent matches were dropped (data: <c>{"dropped": how many}</c>).
    /// </summary>
    public const string GapEventType = "gap";

    public const string LastEventIdField = "lastEventId";

    public const string DroppedField = "dropped";

    public const string LastEventIdHeader = "Last-Event-ID";

    private const string KeepAliveComment = ": keep-alive\n\n";
    /// <summary>The longest a <see cref="CancellationTokenSource"/> timer waits (just under 2^32 ms, some 49 days).</summary>
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromDays(49);

    public static IEndpointRouteBuilder MapMatchStreamApi(this IEndpointRouteBuilder app)
    {
        // Each stream holds one of its caller's Limits:StreamsPerCaller connections while it is open, and takes its
        // token from the query (EventSource sends no headers).
        app.MapUserRoutes("Live", user => user.MapGet("/matches/stream", StreamUser).RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().WithSummary("The user's matches from now on, as server-sent events, whichever silo scored them (404 while the user has no interests); ?delivery=immediate,… sends those kinds only.")
            .ProducesProblem(StatusCodes.Status404NotFound));
        app.MapGet("/tenants/{tenant}/matches/stream", StreamTenant).WithTags("Live").RequireTenantAccess().RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().ProducesValidationProblem().WithSummary("The tenant's users' matches from now on, as server-sent events. The tenant's admins and operators.");
        app.MapGet("/matches/stream", StreamAll).WithTags("Live").RequireOperator().RequireRateLimiting(SecurityHostingExtensions.StreamsPerCallerLimit)
            .AcceptsTokenInQuery().ProducesValidationProblem().WithSummary("Every user's matches from now on, as server-sent events. Operators only.");
        return app;
    }

    /// <summary>404 for a user without interests (<see cref="KnownUsers"/>): a stream of it would stay silent.</summary>
    public static async Task<IResult> StreamUser(UserScope user, string? delivery, HttpContext context, MatchBroadcaster feed, IGrainFactory grains,
        IOptions<LiveDashboardOptions> options)
        => await KnownUsers.NotFoundUnlessKnownAsync(grains, user.Key) is { } unknown ? unknown : Stream(user.Key, null, delivery, context, feed, options);

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
            : TypedResults.ServerSentEvents(Events(userKey, tenant, kinds, context, feed, options.Value, context.RequestAborted));

    private static async IAsyncEnumerable<SseItem<LiveMatch>> Events(string? userKey, string? tenant, IReadOnlySet<string>? kinds, HttpContext context,
        MatchBroadcaster feed, LiveDashboardOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // EventSource sends the id of the last event it saw when it reconnects: what came meanwhile is sent first.
        var resumeAfter = context.Request.Headers[LastEventIdHeader] is [{ Length: > 0 } lastSeen] ? lastSeen : null;
        using var subscription = feed.Subscribe(userKey, options.StreamQueueCapacity, tenant, resumeAfter);
        // nginx buffers a proxied response unless told not to, which would hold a stream's events back.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        // The result has set the event-stream headers but sends them only with the first event: send them now that
        // the subscription exists, so a client that sees the headers (EventSource's "open") misses no later match.
        await context.Response.Body.FlushAsync(cancellationToken);
        if (subscription.MayHaveMissed)
        {
            await WriteGapAsync(context.Response, LastEventIdField, resumeAfter!, cancellationToken);
        }
        // A stream ends when the server stops: the server waits for open requests before it stops, and would otherwise
        // wait its whole shutdown timeout for every open stream, and then cut them. It ends too when its token expires,
        // as every other request with that token is refused from then on: EventSource's reconnection is then a 401.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        if (TokenAcceptedFor(context) is { } accepted)
        {
            ending.CancelAfter(accepted);
        }
        var queue = subscription.Reader;
        while (await WaitOrKeepAliveAsync(queue, context.Response, options.StreamKeepAlive, ending.Token, cancellationToken))
        {
            while (queue.TryRead(out var match))
            {
                // Drops are counted before a newer match is queued: those before this one are told before it.
                if (subscription.TakeDropped() is > 0 and var dropped)
                {
                    await WriteGapAsync(context.Response, DroppedField, dropped, cancellationToken);
                }
                if (kinds is null || match.Match.Delivery is { } kind && kinds.Contains(kind))
                {
                    yield return new SseItem<LiveMatch>(match, EventType) { EventId = match.Match.MatchId is { Length: > 0 } id ? id : null };
                }
            }
        }
    }

    /// <summary>
    /// How much longer the request's token is accepted (its expiry, plus the clock skew tokens are validated with); null
    /// for a caller without one (an API key, or no authentication), or one accepted for longer than a timer can wait.
    /// </summary>
    private static TimeSpan? TokenAcceptedFor(HttpContext context)
    {
        if (!long.TryParse(context.User.FindFirst(ClaimNames.Expiry)?.Value, out var expiresAtSeconds))
        {
            return null;
        }
        var skew = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.ClockSkew;
        var left = DateTimeOffset.FromUnixTimeSeconds(expiresAtSeconds) + skew - DateTimeOffset.UtcNow;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < MaxTimerWait ? left : null;
    }

    /// <summary>
    /// Waits for the next match, writing a comment line each <paramref name="keepAlive"/> without one: proxies and load
    /// balancers close a connection idle for a minute or so, and a client could not tell a quiet stream from a dead one.
    /// False when the stream ends (<paramref name="ending"/>).
    /// </summary>
    private static async Task<bool> WaitOrKeepAliveAsync(ChannelReader<LiveMatch> queue, HttpResponse response, TimeSpan keepAlive, CancellationToken ending,
        CancellationToken cancellationToken)
    {
        while (!ending.IsCancellationRequested)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ending);
            idle.CancelAfter(keepAlive);
            try
            {
                return await queue.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !ending.IsCancellationRequested)
            {
                await WriteAsync(response, KeepAliveComment, cancellationToken);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }
        return false;
    }

    private static Task WriteGapAsync(HttpResponse response, string field, JsonNode value, CancellationToken cancellationToken)
        => WriteAsync(response, $"event: {GapEventType}\ndata: {new JsonObject { [field] = value }.ToJsonString()}\n\n", cancellationToken);

    /// <summary>Text the event formatter does not write (comments, the gap event), between its events: it flushes each one.</summary>
    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }
}
