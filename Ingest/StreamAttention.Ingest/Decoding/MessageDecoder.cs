using System.Text.Unicode;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Checks every format shares, before a decoder sees the value: size and UTF-8.</summary>
public sealed class MessageValidator(int maxMessageBytes, IMessageDecoder decoder)
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
