using System.Text.Unicode;
using Confluent.Kafka;

namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// The ingest's decoder: the checks every format shares (a value, its size, UTF-8), then the configured format's
/// <see cref="IFormatDecoder"/>, then the message's tenant (<see cref="MessageTenancy"/>). Never throws on bad input:
/// a rejection names the dead-letter reason.
/// </summary>
public sealed class MessageDecoder(int maxMessageBytes, IFormatDecoder decoder, MessageTenancy tenancy)
{
    public DecodeResult Decode(byte[]? value, SourcePosition source, Headers? headers = null)
        => tenancy.Resolve(DecodeValue(value, source), source.Topic, headers);

    private DecodeResult DecodeValue(byte[]? value, SourcePosition source)
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
