using System.Text;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>Strings that JSON allows and no .NET string holds are refused at decoding, by where they are.</summary>
public sealed class JsonMessageDecoderTests
{
    private static readonly SourcePosition Source = new(Traffic.InputTopic, 0, 7);

    [Theory]
    [InlineData("""{"id": "m", "text": "kafka \ud800 lag"}""", "$.text")]
    [InlineData("""{"id": "\udc00", "text": "kafka lag"}""", "$.id")]
    [InlineData("""{"id": "m", "text": "kafka lag", "timestamp": "\ud83d"}""", "$.timestamp")]
    [InlineData("""{"id": "m", "text": "kafka lag", "attributes": {"host": {"tags": ["ok", "\ud800x"]}}}""", "$.attributes.host.tags[1]")]
    [InlineData("""{"id": "m", "text": "kafka lag", "attributes": {"\udc00": "v"}}""", "$.attributes (a property name)")]
    public void An_unpaired_surrogate_escape_anywhere_is_an_invalid_field_named_by_its_path(string json, string path)
    {
        var decoded = new JsonMessageDecoder(new JsonFieldOptions(), vectors: null).Decode(Encoding.UTF8.GetBytes(json), Source);

        Assert.Null(decoded.Message);
        Assert.Equal(DeadLetterReasons.InvalidField, decoded.Reason);
        Assert.StartsWith($"{path} holds an unpaired UTF-16 surrogate escape", decoded.Detail);
    }

    [Fact]
    public void A_surrogate_pair_escaped_is_text()
    {
        var decoded = new JsonMessageDecoder(new JsonFieldOptions(), vectors: null).Decode(
            Encoding.UTF8.GetBytes("""{"id": "m", "text": "disk full \ud83d\udcbe", "attributes": {"\ud83d\udd25": "hot"}}"""), Source);

        Assert.Equal("disk full 💾", decoded.Message?.Text);
    }

    [Theory]
    [InlineData("""{"id": "m", "text": "kafka lag", "user": "  "}""", "'user' must be a string that is not blank")]
    [InlineData("""{"id": "m", "text": "kafka lag", "user": 5}""", "'user' must be a string that is not blank")]
    [InlineData("""{"id": "m", "text": "kafka lag", "tenant": ""}""", "'tenant' must be a string that is not blank")]
    public void A_blank_or_non_string_user_or_tenant_is_an_invalid_field_that_says_so(string json, string detail)
    {
        var decoded = new JsonMessageDecoder(new JsonFieldOptions(), vectors: null).Decode(Encoding.UTF8.GetBytes(json), Source);

        Assert.Equal((DeadLetterReasons.InvalidField, detail), (decoded.Reason, decoded.Detail));
    }
}
