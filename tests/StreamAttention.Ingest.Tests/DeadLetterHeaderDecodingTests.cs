using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// The headers a dead letter carries into its replay, read on any input message. The user header (a
/// <c>decision-failed</c> dead letter's) scopes the message to that user of the message's tenant, and a header that
/// cannot name a user, or names another user than the message, is an invalid field. The origin header names where the
/// message was first read, the source id of its match ids; without it that is where the message is read now.
/// </summary>
public sealed class DeadLetterHeaderDecodingTests
{
    private static readonly SourcePosition Source = new(Traffic.InputTopic, 0, 7);

    [Theory]
    [InlineData("json")]
    [InlineData("text")]
    public void A_user_header_scopes_the_message_to_that_user(string format)
    {
        var decoded = Decoder(format).Decode(Value(format), Source, UserHeader("alice"));

        Assert.Equal("alice", decoded.Message?.User);
        Assert.Equal("acme/alice", decoded.Message?.UserKey);
    }

    [Fact]
    public void Without_the_header_a_message_keeps_the_user_it_names_or_none()
    {
        Assert.Null(Decoder("json").Decode(Value("json"), Source).Message?.User);
        Assert.Equal("bob", Decoder("json").Decode(Value("json", user: "bob"), Source, new Headers()).Message?.User);
    }

    [Fact]
    public void A_header_naming_the_messages_own_user_is_accepted()
        => Assert.Equal("alice", Decoder("json").Decode(Value("json", user: "alice"), Source, UserHeader("alice")).Message?.User);

    [Theory]
    [InlineData("bob", "the message names user 'alice'")]
    [InlineData("globex/alice", Ids.Pattern)]
    [InlineData(" ", Ids.Pattern)]
    [InlineData("al\u0000ice", Ids.Pattern)]
    [InlineData("al\u202Eice", Ids.Pattern)]
    public void A_header_that_cannot_name_the_messages_user_is_an_invalid_field(string header, string detail)
    {
        var decoded = Decoder("json").Decode(Value("json", user: header == "bob" ? "alice" : null), Source, UserHeader(header));

        Assert.Null(decoded.Message);
        Assert.Equal(DeadLetterReasons.InvalidField, decoded.Reason);
        Assert.Contains(detail, decoded.Detail);
    }

    [Fact]
    public void A_header_user_id_longer_than_an_id_is_an_invalid_field()
        => Assert.Equal(DeadLetterReasons.InvalidField, Decoder("json").Decode(Value("json"), Source, UserHeader(new string('a', 50_000))).Reason);

    [Fact]
    public void A_header_that_is_not_utf8_is_an_invalid_field()
    {
        var headers = new Headers { { DeadLetterHeaders.User, [0xff, 0xfe] } };

        Assert.Equal(DeadLetterReasons.InvalidField, Decoder("json").Decode(Value("json"), Source, headers).Reason);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("text")]
    public void A_message_comes_from_where_it_is_read_or_from_the_origin_its_header_names(string format)
    {
        Assert.Equal($"{Traffic.InputTopic}/0/7", Decoder(format).Decode(Value(format), Source).Message?.Origin);
        var headers = new Headers { { DeadLetterHeaders.Origin, Encoding.UTF8.GetBytes("other/3/12") } };
        Assert.Equal("other/3/12", Decoder(format).Decode(Value(format), Source, headers).Message?.Origin);
    }

    /// <summary>
    /// A message without an id of its own is named by its position: replayed, by the position its first read gave it
    /// (its origin), so its <c>messageId</c> joins the records of its other users' matches; an id of its own stays.
    /// </summary>
    [Theory]
    [InlineData("json", "other/3/12")]
    [InlineData("text", "other/3/12")]
    [InlineData("json-with-id", "m")]
    public void A_replayed_message_keeps_the_id_of_its_first_read(string format, string id)
    {
        var value = format == "json" ? JsonSerializer.SerializeToUtf8Bytes(new { text = Texts.DatabaseMessage }) : Value(format == "text" ? "text" : "json");
        var decoder = Decoder(format == "text" ? "text" : "json");
        var headers = new Headers { { DeadLetterHeaders.Origin, Encoding.UTF8.GetBytes("other/3/12") } };

        var (first, replayed) = (decoder.Decode(value, new SourcePosition("other", 3, 12)).Message, decoder.Decode(value, Source, headers).Message);

        Assert.Equal((id, id), (first?.Id, replayed?.Id));
    }

    [Theory]
    [InlineData(new byte[] { 0xff, 0xfe })]
    [InlineData(new byte[] { 0x20 })]
    [InlineData(new byte[0])]
    public void An_origin_header_that_is_blank_or_not_utf8_is_an_invalid_field(byte[] origin)
    {
        var decoded = Decoder("json").Decode(Value("json"), Source, new Headers { { DeadLetterHeaders.Origin, origin } });

        Assert.Null(decoded.Message);
        Assert.Equal(DeadLetterReasons.InvalidField, decoded.Reason);
        Assert.Contains(DeadLetterHeaders.Origin, decoded.Detail);
    }

    /// <summary>
    /// A header that says whom or what the message is for, given twice with different values, is ambiguous: read
    /// last-wins it would route the message by whichever copy came last. The same value twice says one thing.
    /// </summary>
    [Theory]
    [InlineData(DeadLetterHeaders.User, "alice", "bob")]
    [InlineData(DeadLetterHeaders.Origin, "other/3/12", "other/3/13")]
    [InlineData(DeadLetterHeaders.ErasureMark, "0123456789abcdef0123456789abcdef/1", "0123456789abcdef0123456789abcdef/2")]
    [InlineData(DeadLetterHeaders.Incarnation, "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210")]
    public void A_header_given_twice_with_different_values_is_an_invalid_field(string name, string first, string last)
    {
        Headers Twice(string second)
        {
            var headers = name == DeadLetterHeaders.User ? new Headers() : UserHeader("alice");
            headers.Add(name, Encoding.UTF8.GetBytes(first));
            headers.Add(name, Encoding.UTF8.GetBytes(second));
            return headers;
        }

        var ambiguous = Decoder("json").Decode(Value("json"), Source, Twice(last));

        Assert.Null(ambiguous.Message);
        Assert.Equal(DeadLetterReasons.InvalidField, ambiguous.Reason);
        Assert.Equal($"header '{name}' is given 2 times with different values", ambiguous.Detail);
        Assert.NotNull(Decoder("json").Decode(Value("json"), Source, Twice(first)).Message);
    }

    private static MessageDecoder Decoder(string format)
        => new(64 * 1024, format == "json" ? new JsonMessageDecoder(new JsonFieldOptions(), vectors: null) : new TextMessageDecoder(),
            new MessageTenancy(new IngestTenancyOptions { Topics = { [Traffic.InputTopic] = "acme" } }));

    private static byte[] Value(string format, string? user = null)
        => format == "json" ? JsonSerializer.SerializeToUtf8Bytes(new { id = "m", text = Texts.DatabaseMessage, user }) : Encoding.UTF8.GetBytes(Texts.DatabaseMessage);

    private static Headers UserHeader(string user) => new() { { DeadLetterHeaders.User, Encoding.UTF8.GetBytes(user) } };
}
