using System.Text;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// What decoding refuses of a JSON message that parses: strings that JSON allows and no .NET string holds, by where they
/// are; a property given twice; a user that is no user id; a timestamp that is no point in time.
/// </summary>
public sealed class JsonMessageDecoderTests
{
    private static readonly SourcePosition Source = new(Traffic.InputTopic, 0, 7);

    [Theory]
    [InlineData("""{"id": "m", "text": "kafka \ud800 lag"}""", "$.text")]
    [InlineData("""{"id": "\udc00", "text": "kafka lag"}""", "$.id")]
    [InlineData("""{"id": "m", "text": "kafka lag", "timestamp": "\ud83d"}""", "$.timestamp")]
    [InlineData("""{"id": "m", "text": "kafka lag", "attributes": {"host": {"tags": ["ok", "\ud800x"]}}}""", "$.attributes.host.tags[1]")]
    [InlineData("""{"id": "m", "text": "kafka lag", "attributes": {"\udc00": "v"}}""", "$.attributes (a property name)")]
    public void A_lone_surrogate_escape_anywhere_is_an_invalid_field_named_by_its_path(string json, string path)
    {
        var decoded = new JsonMessageDecoder(new JsonFieldOptions(), vectors: null).Decode(Encoding.UTF8.GetBytes(json), Source);

        Assert.Null(decoded.Message);
        Assert.Equal(DeadLetterReasons.InvalidField, decoded.Reason);
        Assert.Equal($"{path} holds a lone surrogate escape (\\uD800 to \\uDFFF without its pair)", decoded.Detail);
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

    /// <summary>As the HTTP API describes a body that is no JSON (<c>JsonErrors</c>), not as System.Text.Json does ("LineNumber: 0 | BytePositionInLine: 1", counted from 0).</summary>
    [Theory]
    [InlineData("""{"id": "m-1", "text": """, "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed (line 1, byte 23).")]
    [InlineData("not json", "'not json' is an invalid JSON literal. Expected the literal 'null' (line 1, byte 2).")]
    [InlineData("""{"text": "a",}""", "The JSON object contains a trailing comma at the end which is not supported in this mode (line 1, byte 14).")]
    [InlineData("""{"text": "a", "text": "b"}""", "the field 'text' is given twice.")]
    public void Malformed_json_is_described_as_the_http_api_describes_it(string json, string detail)
    {
        var decoded = Decode(json);

        Assert.Equal((DeadLetterReasons.MalformedJson, detail), (decoded.Reason, decoded.Detail));
    }

    [Theory]
    [InlineData("""{"text": "database unavailable", "text": "cooking recipes"}""", "text")]
    [InlineData("""{"id": "m", "text": "kafka lag", "attributes": {"host": "a", "host": "b"}}""", "host")]
    public void A_property_given_twice_is_malformed_json_naming_it(string json, string property)
    {
        var decoded = Decode(json);

        Assert.Equal((null, DeadLetterReasons.MalformedJson), (decoded.Message, decoded.Reason));
        Assert.Contains($"'{property}'", decoded.Detail);
    }

    [Theory]
    [InlineData("al\\u0000ice")]
    [InlineData("al\\u202eice")]
    [InlineData("al ice")]
    [InlineData("acme/bob")]
    [InlineData("..")]
    public void A_user_that_is_no_user_id_of_the_messages_tenant_is_an_invalid_field(string user)
        => AssertInvalidUser(Decode($$"""{"id": "m", "text": "kafka lag", "user": "{{user}}"}"""));

    [Fact]
    public void A_user_id_longer_than_an_id_is_an_invalid_field()
        => AssertInvalidUser(Decode($$"""{"id": "m", "text": "kafka lag", "user": "{{new string('a', 50_000)}}"}"""));

    [Fact]
    public void A_user_id_as_http_takes_it_names_the_messages_user()
        => Assert.Equal("bob.smith:ops-1_x", Decode("""{"id": "m", "text": "kafka lag", "user": "bob.smith:ops-1_x"}""").Message?.User);

    [Theory]
    [InlineData("\"not a date \\u0000\"")]
    [InlineData("\"2026-13-01T00:00:00Z\"")]
    [InlineData("\"\"")]
    [InlineData("1e999999")]
    [InlineData("-1e999999")]
    [InlineData("1e300")]
    [InlineData("true")]
    public void A_timestamp_that_is_no_point_in_time_is_an_invalid_field(string timestamp)
    {
        var decoded = Decode($$"""{"id": "m", "text": "kafka lag", "timestamp": {{timestamp}}}""");

        Assert.Equal((null, DeadLetterReasons.InvalidField), (decoded.Message, decoded.Reason));
        Assert.StartsWith("'timestamp' must be", decoded.Detail);
    }

    [Theory]
    [InlineData("\"2026-11-25T10:00:00Z\"")]
    [InlineData("\"2026-12-04T21:30:00.1234567+01:00\"")]
    [InlineData("\"2026-11-25\"")]
    [InlineData("1764064800")]
    [InlineData("1764064800123")]
    [InlineData("1764064800.5")]
    public void A_timestamp_in_iso_8601_or_unix_time_is_copied_as_it_came(string timestamp)
        => Assert.Equal(timestamp, Decode($$"""{"id": "m", "text": "kafka lag", "timestamp": {{timestamp}}}""").Message?.Timestamp?.GetRawText());

    private static DecodeResult Decode(string json) => new JsonMessageDecoder(new JsonFieldOptions(), vectors: null).Decode(Encoding.UTF8.GetBytes(json), Source);

    private static void AssertInvalidUser(DecodeResult decoded)
    {
        Assert.Equal((null, DeadLetterReasons.InvalidField), (decoded.Message, decoded.Reason));
        Assert.Equal($"'user' must be a user id of the message's tenant, matching {Ids.Pattern}", decoded.Detail);
    }
}
