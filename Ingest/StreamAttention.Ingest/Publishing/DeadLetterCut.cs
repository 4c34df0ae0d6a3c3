using System.Buffers;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using StreamAttention.Contracts.Text;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// Fits a dead letter into the producer's <c>message.max.bytes</c>: a record the producer refuses fails its batch and
/// every retry of it, so the stream would stop at the message. The dead letter's own headers (why, where, for whom) are
/// kept, the error's detail cut to <see cref="MaxDetailBytes"/>; of the message as much as fits: its value is cut first,
/// then its headers are dropped (the last first), then its key is cut, then the headers that tie the dead letter to its
/// message and its trace (<see cref="DeadLetterHeaders.DroppedLast"/>) are dropped, each cut named in a header of
/// <see cref="DeadLetterHeaders"/>. A cut dead letter records what failed but is not the message: a replay passes it over.
/// </summary>
public static class DeadLetterCut
{
    /// <summary>The most bytes of an error's detail a dead letter carries (a JSON path can hold a whole attribute name).</summary>
    public const int MaxDetailBytes = 4096;

    /// <summary>Room kept for the headers that name the cuts.</summary>
    private const int CutHeadersBytes = 3 * 64;

    /// <summary>The control characters (Unicode category Cc) and the bidirectional formatting characters (marks, embeddings, overrides, isolates).</summary>
    private static readonly SearchValues<char> Unprintable = SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(c => (char)c), .. Enumerable.Range(0x7F, 0x21).Select(c => (char)c),
         '\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069']);

    /// <summary>
    /// The detail as sent: <see cref="Escaped"/>, then <see cref="Cut"/> to <see cref="MaxDetailBytes"/>.
    /// </summary>
    public static string Detail(string detail) => Cut(Escaped(detail));

    /// <summary>
    /// The text with its control characters and bidirectional formatting characters written as <c>\uXXXX</c>: a detail
    /// can quote the message (a tenant, a JSON error's property name), and a NUL or a right-to-left override would reach
    /// whoever reads the header (a terminal, a log) as it is.
    /// </summary>
    private static string Escaped(string text)
    {
        if (!text.AsSpan().ContainsAny(Unprintable))
        {
            return text;
        }
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unprintable.Contains(c))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                escaped.Append(c);
            }
        }
        return escaped.ToString();
    }

    /// <summary>The detail whole, or its start (whole characters) and <see cref="TextCut.Ellipsis"/> in <see cref="MaxDetailBytes"/> bytes: a header is cut by bytes, not characters.</summary>
    private static string Cut(string detail)
    {
        if (Encoding.UTF8.GetByteCount(detail) <= MaxDetailBytes)
        {
            return detail;
        }
        var (length, bytes) = (0, 0);
        while (length < detail.Length)
        {
            var width = char.IsSurrogatePair(detail, length) ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(detail.AsSpan(length, width));
            if (bytes + size > MaxDetailBytes - Encoding.UTF8.GetByteCount(TextCut.Ellipsis))
            {
                break;
            }
            (length, bytes) = (length + width, bytes + size);
        }
        return string.Concat(detail.AsSpan(0, length), TextCut.Ellipsis);
    }

    /// <summary>
    /// The dead letter of a message with <paramref name="key"/>, <paramref name="messageHeaders"/> and <paramref name="value"/>,
    /// its own headers <paramref name="deadLetterHeaders"/> after the message's, in at most <paramref name="maxBytes"/>
    /// bytes of key, headers and value. The message's headers named in <paramref name="droppedLast"/> are dropped only
    /// once every other one is and the key is cut: a cut that dropped the message's <c>traceparent</c> left an operator no way from the dead
    /// letter to the message's trace.
    /// </summary>
    public static Message<byte[]?, byte[]?> Fit(int maxBytes, byte[]? key, IReadOnlyList<IHeader> messageHeaders, byte[]? value, Headers deadLetterHeaders, IReadOnlySet<string> droppedLast)
    {
        var room = maxBytes - CutHeadersBytes - deadLetterHeaders.Sum(SizeOf);
        var headers = new Headers();
        var cuts = new Headers();
        var headerBytes = messageHeaders.Sum(SizeOf);
        if ((key?.Length ?? 0) + headerBytes + (value?.Length ?? 0) > room && value is not null)
        {
            cuts.Add(DeadLetterHeaders.ValueTruncatedFrom, DeadLetterHeaders.Decimal(value.Length));
            value = value[..WholeCharacters(value, Math.Clamp(room - (key?.Length ?? 0) - headerBytes, 0, value.Length))];
        }
        var dropped = new HashSet<int>();
        foreach (var index in Enumerable.Range(0, messageHeaders.Count).Reverse().OrderBy(i => droppedLast.Contains(messageHeaders[i].Key)))
        {
            // The key is cut before those headers are dropped: they are a few bytes, the key's start still says whose it was.
            if ((droppedLast.Contains(messageHeaders[index].Key) ? 0 : key?.Length ?? 0) + headerBytes <= room)
            {
                break;
            }
            headerBytes -= SizeOf(messageHeaders[index]);
            dropped.Add(index);
        }
        if (dropped.Count > 0)
        {
            cuts.Add(DeadLetterHeaders.HeadersDropped, DeadLetterHeaders.Decimal(dropped.Count));
        }
        if (key is not null && key.Length > room - headerBytes)
        {
            cuts.Add(DeadLetterHeaders.KeyTruncatedFrom, DeadLetterHeaders.Decimal(key.Length));
            key = key[..WholeCharacters(key, Math.Max(0, room - headerBytes))];
        }
        foreach (var header in messageHeaders.Where((_, index) => !dropped.Contains(index)).Concat(cuts).Concat(deadLetterHeaders))
        {
            headers.Add(header.Key, header.GetValueBytes());
        }
        return new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers };
    }

    /// <summary>
    /// <paramref name="length"/>, or less where the first <paramref name="length"/> bytes end in part of a UTF-8
    /// character: a value or key is most often text, and half a character made the cut one not UTF-8 (a consumer that
    /// reads it as text failed or showed U+FFFD). Bytes that are no UTF-8 are cut where they are.
    /// </summary>
    private static int WholeCharacters(byte[] bytes, int length)
        => Rune.DecodeLastFromUtf8(bytes.AsSpan(0, length), out _, out var partial) == OperationStatus.NeedMoreData ? length - partial : length;

    /// <summary>Whether a dead letter holds only part of its message (<see cref="Fit"/> cut it).</summary>
    public static bool IsCut(Headers? headers)
        => headers is not null && (headers.TryGetLastBytes(DeadLetterHeaders.ValueTruncatedFrom, out _)
            || headers.TryGetLastBytes(DeadLetterHeaders.HeadersDropped, out _) || headers.TryGetLastBytes(DeadLetterHeaders.KeyTruncatedFrom, out _));

    private static int SizeOf(IHeader header) => Encoding.UTF8.GetByteCount(header.Key) + (header.GetValueBytes()?.Length ?? 0);
}
