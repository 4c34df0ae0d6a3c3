using System.Text;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Format Text: the whole value is the message text; the id is the message's position.</summary>
public sealed class TextMessageDecoder : IFormatDecoder
{
    public DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source)
    {
        var text = Encoding.UTF8.GetString(value);
        return string.IsNullOrWhiteSpace(text)
            ? DecodeResult.Reject(DeadLetterReasons.MissingText, "the message is empty")
            : DecodeResult.Ok(new IngestMessage(source.ToString(), text, null, null, null, null, null));
    }
}
