using System.Text.Unicode;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// The ingest's decoder: the checks every format shares (a value, its size, UTF-8), then the configured format's
/// <see cref="IFormatDecoder"/>. Never throws on bad input: a rejection names the dead-letter reason.
/// </summary>
public sealed class MessageDecoder(int maxMessageBytes, IFormatDecoder decoder)
{
    public DecodeResult Decode(byte[]? value, SourcePosition source)
    {
        if (value is null || value.Length == 0)
        {
            return DecodeResult.Reject(DeadLetterReasons.MissingText, "the message has no value");
        }
        if (value.Length > maxMessageBytes)
        {
            return DecodeResult.Reject(DeadLetterReasons.Oversize, $"{value.Length} bytes, at most {maxMessageBytes} are accepted");
        }
        if (!Utf8.IsValid(value))
        {
            return DecodeResult.Reject(DeadLetterReasons.InvalidUtf8, "the value is not valid UTF-8");
        }
        return decoder.Decode(value, source);
    }
}
