namespace StreamAttention.Ingest.Decoding;

/// <summary>
/// One input format (<c>Ingest:Format</c>): turns a value that passed <see cref="MessageDecoder"/>'s checks into an
/// <see cref="IngestMessage"/>; never throws on bad input, it rejects it.
/// </summary>
public interface IFormatDecoder
{
    DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source);
}
