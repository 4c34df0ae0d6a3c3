using System.Text;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Format Text: the whole value is the message text; the id is the message's position.</summary>
public sealed class TextMessageDecoder : IFormatDecoder
{
    public DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source)
    {
        // A C string's terminating NULs are no part of its text. UTF-16 text of ASCII letters is valid UTF-8 with a NUL
        // byte beside each letter: it was scored and matched nothing.
        value = value.TrimEnd((byte)0);
        if (value.Contains((byte)0))
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidUtf8, "the value holds NUL bytes: UTF-16 or binary, not UTF-8 text");
        }
        var text = Encoding.UTF8.GetString(value);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DecodeResult.Reject(DeadLetterReasons.MissingText, "the message is empty");
        }
        var position = source.ToString();
        return DecodeResult.Ok(new IngestMessage(position, text, null, null, null, null, null, position));
    }
}
