using System.Text;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>The checks every format shares, before the format's own decoding.</summary>
public sealed class MessageDecoderTests
{
    private static readonly SourcePosition Source = new(Traffic.InputTopic, 0, 7);
    private static readonly byte[] ByteOrderMark = Encoding.UTF8.GetPreamble();

    /// <summary>A writer that starts its output with a byte order mark (an editor, .NET's UTF-8 encoding) made every JSON message malformed, while the HTTP bulk import read the same lines.</summary>
    [Fact]
    public void One_leading_byte_order_mark_is_skipped_in_json()
    {
        var decoded = Decoder(new JsonMessageDecoder(new JsonFieldOptions(), vectors: null))
            .Decode([.. ByteOrderMark, .. """{"id": "m", "text": "kafka lag"}"""u8], Source);

        Assert.Equal(("m", "kafka lag"), (decoded.Message?.Id, decoded.Message?.Text));
    }

    [Fact]
    public void One_leading_byte_order_mark_is_no_part_of_a_texts_message()
    {
        var decoded = Decoder(new TextMessageDecoder()).Decode([.. ByteOrderMark, .. "kafka lag"u8], Source);

        Assert.Equal("kafka lag", decoded.Message?.Text);
    }

    [Fact]
    public void Only_one_byte_order_mark_is_skipped_and_one_alone_is_no_message()
    {
        var json = Decoder(new JsonMessageDecoder(new JsonFieldOptions(), vectors: null));

        Assert.Equal(DeadLetterReasons.MalformedJson, json.Decode([.. ByteOrderMark, .. ByteOrderMark, .. """{"text": "kafka lag"}"""u8], Source).Reason);
        Assert.Equal(DeadLetterReasons.MalformedJson, json.Decode(ByteOrderMark, Source).Reason);
        Assert.Equal(DeadLetterReasons.MissingText, Decoder(new TextMessageDecoder()).Decode(ByteOrderMark, Source).Reason);
    }

    /// <summary>
    /// .NET's Encoding.Unicode without its byte order mark makes valid UTF-8 of ASCII text, a NUL beside each letter:
    /// format Text scored it as text and it matched nothing, never dead-lettered.
    /// </summary>
    [Fact]
    public void Utf16_text_is_no_texts_message()
    {
        var text = Decoder(new TextMessageDecoder());

        Assert.Equal(DeadLetterReasons.InvalidUtf8, text.Decode(Encoding.Unicode.GetBytes("kafka lag"), Source).Reason);
        Assert.Equal(DeadLetterReasons.InvalidUtf8, text.Decode(Encoding.BigEndianUnicode.GetBytes("kafka lag"), Source).Reason);
        Assert.Equal(DeadLetterReasons.InvalidUtf8, text.Decode([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("kafka lag")], Source).Reason);
    }

    [Fact]
    public void A_text_ending_in_a_c_strings_terminating_nul_is_scored_without_it()
    {
        var text = Decoder(new TextMessageDecoder());

        Assert.Equal("kafka lag", text.Decode("kafka lag\0"u8.ToArray(), Source).Message!.Text);
        Assert.Equal("kafka lag", text.Decode("kafka lag\0\0"u8.ToArray(), Source).Message!.Text);
    }

    private static MessageDecoder Decoder(IFormatDecoder format) => new(64 * 1024, format, new MessageTenancy(new IngestTenancyOptions()));
}
