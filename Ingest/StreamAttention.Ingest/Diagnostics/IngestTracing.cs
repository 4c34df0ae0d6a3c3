using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Ingest.Diagnostics;

/// <summary>
/// Traces of the pipeline: one activity per batch ("ingest batch"), whose context every published match and dead
/// letter carries as W3C headers, and one per digest published ("publish digest"), whose context its record carries. A batch of one message whose producer sent a <c>traceparent</c> continues that trace
/// (the batch is its child); a larger one links to each such message's context, the link naming the record. Each
/// message's outcome is an event of the batch, so the span count stays one per batch whatever its size. No message
/// text, attribute, key or user id goes into a span: ids, positions, counts and reasons only.
/// </summary>
public static class IngestTracing
{
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";

    /// <summary>The name of the batch's event for each of its messages, once the broker acknowledged what it published.</summary>
    public const string MessageEvent = "message";

    public static readonly ActivitySource Source = new(InstrumentNames.IngestActivitySource);

    /// <summary>One activity for <paramref name="batch"/>, or null while nothing listens to <see cref="Source"/>.</summary>
    public static Activity? StartBatch(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var links = new List<ActivityLink>();
        foreach (var input in batch)
        {
            if (ContextOf(input.Message.Headers) is { } context)
            {
                links.Add(new ActivityLink(context, new ActivityTagsCollection(Position(input))));
            }
        }
        // One message: its producer's trace goes on through the ingest, so "this message" is one trace end to end.
        var activity = batch.Count == 1 && links.Count == 1
            ? Source.StartActivity("ingest batch", ActivityKind.Consumer, links[0].Context)
            : Source.StartActivity("ingest batch", ActivityKind.Consumer, default(ActivityContext), links: links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    /// <summary>
    /// Adds the event of one message of the batch: where it was read, its id and tenant when it decoded, its outcome
    /// (<see cref="IngestInstruments"/>' outcome names) with the reason of a dead letter or skip, the matches published
    /// and how many of them each delivery decision had (<c>streamattention.delivery.immediate</c>, …).
    /// </summary>
    public static void AddMessage(Activity? batch, ConsumeResult<byte[]?, byte[]?> input, Decoding.IngestMessage? message, string outcome, string? reason,
        IReadOnlyList<TextMatch>? matches, int userDeadLetters)
    {
        if (batch is not { IsAllDataRequested: true })
        {
            return;
        }
        var tags = new ActivityTagsCollection(Position(input)) { ["streamattention.outcome"] = outcome };
        if (message is not null)
        {
            tags["messaging.message.id"] = message.Id;
            if (message.Tenant is { } tenant)
            {
                tags["streamattention.tenant"] = tenant;
            }
        }
        if (reason is not null)
        {
            tags["streamattention.reason"] = reason;
        }
        if (matches is not null)
        {
            tags["streamattention.matches"] = matches.Count;
            foreach (var decision in matches.GroupBy(match => match.Delivery ?? "none"))
            {
                tags["streamattention.delivery." + decision.Key] = decision.Count();
            }
        }
        if (userDeadLetters > 0)
        {
            tags["streamattention.dead_letters"] = userDeadLetters;
        }
        batch.AddEvent(new ActivityEvent(MessageEvent, tags: tags));
    }

    /// <summary>
    /// One activity for publishing a digest to <paramref name="topic"/> ("publish digest", a producer span), or null while
    /// nothing listens to <see cref="Source"/>. A new root, whatever runs the publish (the user grain's reminder, or a
    /// grain call of some batch's trace that found the digest due): a digest is an operation of its own, and its
    /// record carries this span's context as a match record carries its batch's. OpenTelemetry's conventions would link
    /// it to the contexts of the matches it summarises, which came in many traces, but a user's state does not keep
    /// them (keeping them would change the stored record). No user id: the digest's id names its user.
    /// Makes the root <see cref="Activity.Current"/>, or with nothing listening none, so the record carries no other
    /// trace's context: call it from an async method, whose caller keeps its own.
    /// </summary>
    public static Activity? StartDigest(string topic, Digest digest)
    {
        Activity.Current = null;
        if (!Source.HasListeners())
        {
            return null;
        }
        var activity = Source.StartActivity("publish digest", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", topic);
        activity?.SetTag("streamattention.digest.total", digest.Total);
        return activity;
    }

    /// <summary>
    /// Marks a batch's or digest's span failed (a batch's messages are read again after the consumer's restart, a digest
    /// is sent again by its user's grain): status Error, and <c>error.type</c>, with the exception's type alone, since
    /// its message may quote a message's text or a user's id.
    /// </summary>
    public static void Failed(Activity? activity, Exception exception)
    {
        var type = exception.GetType().FullName;
        activity?.SetStatus(ActivityStatusCode.Error, type);
        activity?.SetTag("error.type", type);
    }

    /// <summary>
    /// The trace context a record's <c>traceparent</c> (and <c>tracestate</c>) header carries, remote (its producer's
    /// process made it); null without a valid one.
    /// </summary>
    public static ActivityContext? ContextOf(Headers? headers)
    {
        if (headers?.TryGetLastBytes(TraceParentHeader, out var parent) != true)
        {
            return null;
        }
        var state = headers.TryGetLastBytes(TraceStateHeader, out var stateBytes) ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out var context) ? context : null;
    }

    /// <summary>Adds the current activity's context to <paramref name="headers"/> as W3C headers, when there is one.</summary>
    public static void AddCurrentContext(Headers headers)
    {
        if (Activity.Current is not { } activity)
        {
            return;
        }
        headers.Add(TraceParentHeader, Encoding.ASCII.GetBytes(activity.Id!));
        if (activity.TraceStateString is { } state)
        {
            headers.Add(TraceStateHeader, Encoding.ASCII.GetBytes(state));
        }
    }

    private static IEnumerable<KeyValuePair<string, object?>> Position(ConsumeResult<byte[]?, byte[]?> input) =>
    [
        new("messaging.destination.name", input.Topic),
        new("messaging.destination.partition.id", input.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("messaging.kafka.offset", input.Offset.Value),
    ];
}
