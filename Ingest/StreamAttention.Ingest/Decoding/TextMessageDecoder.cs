using System.Text;

namespace StreamAttention.Ingest.Decoding;

/// <summary>Format Text: the whole value is the message text; the id is the message's position.</summary>
public sealed class TextMessageDecoder : IFormatDecoder
{
    public DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source)
    {
        var text = Encoding.UTF8.GetString(value);
        if (string.IsNullOrWhiteSpace(text))
        {
            return DecodeResult.Reject(DeadLetterReasons.MissingText, "the message is empty");
        }
        var position = source.ToString();
        return DecodeResult.Ok(new IngestMessage(position, text, null, null, null, null, null, position));
    }
}
