namespace StreamAttention.Ingest.Decoding;

/// <summary>Turns a message value into an <see cref="IngestMessage"/>; never throws on bad input, it rejects it.</summary>
public interface IMessageDecoder
{
    DecodeResult Decode(ReadOnlySpan<byte> value, SourcePosition source);
}
