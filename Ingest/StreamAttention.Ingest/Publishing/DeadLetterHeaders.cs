using System.Collections.Frozen;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamAttention.Ingest.Diagnostics;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// Headers a dead letter carries besides the original message's own. <see cref="User"/> and <see cref="Origin"/> are
/// input too (the ingest reads them on every message), <see cref="Replays"/> is the replay's; the others are
/// <see cref="WrittenByDeadLetter"/> alone.
/// </summary>
public static class DeadLetterHeaders
{
    public const string Error = "streamattention-error";
    public const string ErrorDetail = "streamattention-error-detail";
    public const string SourceTopic = "streamattention-source-topic";
    public const string SourcePartition = "streamattention-source-partition";
    public const string SourceOffset = "streamattention-source-offset";

    /// <summary>
    /// The user (of the message's tenant) a <c>decision-failed</c> dead letter is for. The ingest reads it on any input
    /// message as the user to score against alone, so a replayed dead letter reaches only that user, and none once that
    /// user was erased (<see cref="Decoding.IngestMessage.ReplayedForItsUser"/>). The user's id as it is, not a pseudonym:
    /// the message's own field may name the user too, and the replay must name the user's grain.
    /// </summary>
    public const string User = "streamattention-user";

    /// <summary>
    /// Where the message was first read, "topic/partition/offset": added to a dead letter unless the message carried one
    /// (it was replayed), and kept by a replay. The ingest reads it on any input message as the message's
    /// <see cref="Decoding.IngestMessage.Origin"/>, so a replayed message gets the match ids it had the first time.
    /// </summary>
    public const string Origin = "streamattention-origin";

    /// <summary>
    /// How many times the message was replayed, a decimal count: each replay sets it one higher, and a dead letter keeps
    /// it from the message it was made of when that carries an <see cref="Origin"/> too, as every replayed message does
    /// (<see cref="KeptOf"/>), so a replay run can leave a message that keeps failing in the dead-letter topic
    /// (<see cref="Options.DeadLetterReplayOptions.MaxReplays"/>).
    /// </summary>
    public const string Replays = "streamattention-replays";

    /// <summary>
    /// On a dead letter for one user (<see cref="User"/>): the live feed's erasure mark taken right before the scoring that
    /// made it (<c>IMatchFeedGrain.CurrentErasureMark</c>), "activation/count", kept by a replay. A replay is skipped when
    /// the feed was told of the user's erasure after it, so a dead letter of a user created again after the erasure
    /// (another user of the key) still reaches it; without the header (or with one that is no mark) every erasure the
    /// feed remembers counts. Read only for a dead letter without an <see cref="Incarnation"/>.
    /// </summary>
    public const string ErasureMark = "streamattention-erasure-mark";

    /// <summary>
    /// On a <c>decision-failed</c> dead letter: the incarnation of the user it was written for (<c>IUserGrain.GetIncarnation</c>,
    /// as the user's shard held it), 32 hex digits, kept by a replay. A replay is scored only while the user's incarnation
    /// is that one, so a user erased and created again under the same id never receives the erased one's dead letters.
    /// Absent when none was known (the user stored before incarnations, its shard holding rows sent before its state
    /// stored one; or erased meanwhile): then the <see cref="ErasureMark"/> rule applies.
    /// </summary>
    public const string Incarnation = "streamattention-incarnation";

    /// <summary>
    /// On a dead letter that carries only the first part of its message's value (the whole, with its key and headers,
    /// would not fit the producer's <c>message.max.bytes</c>): the value's whole length in bytes, decimal. Such a dead
    /// letter records what failed but is not the message, so it is never replayed (<see cref="DeadLetterCut"/>).
    /// </summary>
    public const string ValueTruncatedFrom = "streamattention-value-truncated-from";

    /// <summary>
    /// On a dead letter whose message's key and headers alone would not fit: how many of the message's headers it lacks
    /// (the last first, those <see cref="DroppedLast"/> names after every other), decimal.
    /// </summary>
    public const string HeadersDropped = "streamattention-headers-dropped";

    /// <summary>On a dead letter whose message's key alone would not fit: the key's whole length in bytes, decimal; the dead letter has its first part.</summary>
    public const string KeyTruncatedFrom = "streamattention-key-truncated-from";

    /// <summary>On an <see cref="Decoding.DeadLetterReasons.OffsetsLost"/> dead letter: the first offset of its source partition that was lost, decimal.</summary>
    public const string LostFirstOffset = "streamattention-lost-first-offset";

    /// <summary>On an <see cref="Decoding.DeadLetterReasons.OffsetsLost"/> dead letter: the last offset that was lost (inclusive), decimal.</summary>
    public const string LostLastOffset = "streamattention-lost-last-offset";

    /// <summary>
    /// The headers only the ingest writes, on a dead letter: its schema (<see cref="OutputSchema.Header"/>, an output's
    /// alone), why and where the message failed, and what of it the dead letter lacks. A message's own headers of these names are not copied into its dead letter (<see cref="KeptOf"/>),
    /// so a replay reads what the ingest wrote: a producer's <see cref="ValueTruncatedFrom"/> made a whole dead letter
    /// pass for a cut one, never replayed. A replay drops them.
    /// </summary>
    public static readonly FrozenSet<string> WrittenByDeadLetter =
        new[] { OutputSchema.Header, Error, ErrorDetail, SourceTopic, SourcePartition, SourceOffset, ValueTruncatedFrom, HeadersDropped, KeyTruncatedFrom, LostFirstOffset, LostLastOffset }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>
    /// Adds what every dead letter says of its failure: its schema (<see cref="OutputSchema.DeadLetter"/>), the reason
    /// (<see cref="Error"/>), the detail (<see cref="ErrorDetail"/>, cut as <see cref="DeadLetterCut.Detail"/> cuts it)
    /// and the partition it failed in.
    /// </summary>
    internal static void AddFailure(Headers headers, string reason, string detail, TopicPartition source)
    {
        headers.Add(OutputSchema.Header, OutputSchema.DeadLetterValue);
        headers.Add(Error, Encoding.UTF8.GetBytes(reason));
        headers.Add(ErrorDetail, Encoding.UTF8.GetBytes(DeadLetterCut.Detail(detail)));
        headers.Add(SourceTopic, Encoding.UTF8.GetBytes(source.Topic));
        headers.Add(SourcePartition, Decimal(source.Partition.Value));
    }

    /// <summary>
    /// The message's headers a cut dead letter drops only after every other, and after its key is cut
    /// (<see cref="DeadLetterCut.Fit"/>): its trace
    /// context (<c>traceparent</c>, <c>tracestate</c>), so an operator can follow the dead letter back to its message's
    /// trace, and the input headers the ingest reads (<see cref="User"/>, <see cref="Origin"/>, <see cref="Replays"/>,
    /// <see cref="ErasureMark"/>, <see cref="Incarnation"/> and the tenant header <paramref name="tenantHeader"/>), which
    /// say whose message it was and where it was first read. They are a few bytes each as their producers write them.
    /// </summary>
    public static FrozenSet<string> DroppedLast(string? tenantHeader)
        => new[] { IngestTracing.TraceParentHeader, IngestTracing.TraceStateHeader, User, Origin, Replays, ErasureMark, Incarnation, tenantHeader }
            .OfType<string>().ToFrozenSet(StringComparer.Ordinal);

    /// <summary>An <see cref="ErasureMark"/> header's value: the activation (32 hex digits), a slash, the count (decimal).</summary>
    internal static byte[] Mark(Contracts.Users.ErasureMark mark)
        => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{mark.Activation:N}/{mark.ErasuresTold}"));

    /// <summary>The mark an <see cref="ErasureMark"/> header holds; null without one, or for a value that is no mark.</summary>
    public static Contracts.Users.ErasureMark? MarkOf(Headers? headers)
    {
        if (headers?.TryGetLastBytes(ErasureMark, out var bytes) != true)
        {
            return null;
        }
        var parts = Encoding.ASCII.GetString(bytes).Split('/');
        return parts.Length == 2 && Guid.TryParseExact(parts[0], "N", out var activation)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var told)
            ? new Contracts.Users.ErasureMark(activation, told)
            : null;
    }

    /// <summary>An <see cref="Incarnation"/> header's value: the incarnation's 32 hex digits.</summary>
    internal static byte[] IncarnationValue(Guid incarnation) => Encoding.ASCII.GetBytes(incarnation.ToString("N"));

    /// <summary>The incarnation an <see cref="Incarnation"/> header holds; null without one, or for a value that is none.</summary>
    public static Guid? IncarnationOf(Headers? headers)
        => headers?.TryGetLastBytes(Incarnation, out var bytes) == true && Guid.TryParseExact(Encoding.ASCII.GetString(bytes), "N", out var incarnation)
            && incarnation != Guid.Empty
            ? incarnation
            : null;

    /// <summary>A number as the dead letter's headers (and a cut digest's, <see cref="OutputPublisher.DigestTextsTruncatedToHeader"/>) write it: decimal, in ASCII.</summary>
    internal static byte[] Decimal(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// The message's headers its dead letter carries, which are all of them except: those of the names
    /// <see cref="WrittenByDeadLetter"/>; its <see cref="User"/>, <see cref="ErasureMark"/> and <see cref="Incarnation"/> when the dead letter names a
    /// user of its own (<paramref name="deadLetterUser"/>: it writes its own); a <see cref="Replays"/> count without an
    /// <see cref="Origin"/>. A replay writes a count and an origin together, so a count alone is a producer's, and would leave the message's dead letter in the topic
    /// in a <c>--max-replays</c> run.
    /// </summary>
    public static List<IHeader> KeptOf(Headers? messageHeaders, string? deadLetterUser)
    {
        var headers = messageHeaders ?? [];
        var replayed = headers.TryGetLastBytes(Origin, out _);
        return headers.Where(h => !WrittenByDeadLetter.Contains(h.Key) && (deadLetterUser is null || h.Key is not (User or ErasureMark or Incarnation)) && (replayed || h.Key != Replays)).ToList();
    }
}
