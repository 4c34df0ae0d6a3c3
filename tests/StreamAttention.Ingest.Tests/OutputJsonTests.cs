using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Tests;

/// <summary>The generated JSON writer gives the output topics' values byte for byte as the reflection-based serializer did.</summary>
public sealed class OutputJsonTests
{
    /// <summary>The options the values were written with before <see cref="OutputJson"/>.</summary>
    private static readonly JsonSerializerOptions Reflection = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = OutputJson.Encoder,
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),
    };

    [Fact]
    public void A_published_match_is_written_as_before()
    {
        using var timestamp = JsonDocument.Parse("\"2026-11-25T10:00:00Z\"");
        using var attributes = JsonDocument.Parse("""{"source":"pager","level":3,"tags":["a","b"],"note":"caf\u00e9 <b>"}""");
        var source = new SourcePosition("streamattention.messages", 3, 1234567);
        Highlight[] highlights = [new("postgres", 0.4321f), new("replica", 1f / 3)];
        PublishedMatch[] matches =
        [
            new PublishedMatch("0193a1b2c3d4e5f60718293a4b5c6d7e", DeliveryKinds.Immediate, null, "m-1", "db", "acme/alice", 0.8765432f, highlights,
                "the postgres replica \"lags\"", timestamp.RootElement.Clone(), attributes.RootElement.Clone(), source, Truncated: true, RawScore: 0.61f),
            new PublishedMatch("id-2", DeliveryKinds.SuppressedDuplicate, "id-1", "m-2", "db", "bob", 0.5f, [], null, null, null, source),
            new PublishedMatch(null, null, null, "m-3", "i0", "user-0", float.Epsilon, highlights, null, null, null, source, RawScore: -0f),
        ];
        Assert.All(matches, match => Assert.Equal(JsonSerializer.Serialize(match, Reflection), JsonSerializer.Serialize(match, OutputJson.Records.PublishedMatch)));
    }

    [Fact]
    public void Text_is_written_as_it_is_without_escaping_what_json_does_not_require()
    {
        using var timestamp = JsonDocument.Parse("\"2026-12-04T21:30:00+01:00\"");
        // Characters beyond the Basic Multilingual Plane (emoji) stay escaped: System.Text.Json's encoders always escape them.
        var message = new IngestMessage("ü-1", "Zürich 東京 a+b <x> & \"q\"\n", null, null, timestamp.RootElement.Clone(), null, null, "in/0/1");

        var value = Encoding.UTF8.GetString(new MessageMatchesJson(message, message.Text, null, new SourcePosition("in", 0, 1))
            .Write(new TextMatch(0, "ü", "db", 0.5f, [new("zürich", 1f)], "m", DeliveryKinds.Immediate)));

        Assert.Contains("\"messageId\":\"ü-1\"", value);
        Assert.Contains("\"text\":\"Zürich 東京 a+b <x> & \\\"q\\\"\\n\"", value);
        Assert.Contains("\"timestamp\":\"2026-12-04T21:30:00+01:00\"", value);
        Assert.Contains("\"token\":\"zürich\"", value);
        Assert.Equal(message.Text, JsonNode.Parse(value)!["text"]!.GetValue<string>());
    }

    [Fact]
    public void Each_match_of_a_message_is_written_as_the_serializer_writes_its_published_match()
    {
        using var stringTime = JsonDocument.Parse("\"2026-11-25T10:00:00Z\"");
        using var numberTime = JsonDocument.Parse("1764064800123");
        using var attributes = JsonDocument.Parse("""{"source":"pager","level":3.50,"tags":["a","b"],"note":"caf\u00e9 <b> \"q\"","nested":{"x":null,"y":true}}""");
        var source = new SourcePosition("streamattention.messages", 3, 1234567);
        Highlight[] highlights = [new("postgres", 0.4321f), new("réplica", 1f / 3), new("<&>'\"", 0f)];
        IngestMessage[] messages =
        [
            new("m-1", "the postgres replica \"lags\" — café <b>&</b>\n\ttab \u0001 😀", "acme", null, stringTime.RootElement.Clone(), attributes.RootElement.Clone(), null, "streamattention.messages/3/1234567"),
            new("m/2 \"quoted\" é", "plain text", null, null, numberTime.RootElement.Clone(), null, null, "streamattention.messages/3/1234568"),
            new("m-3", "", null, null, null, null, null, "streamattention.messages/3/1234569"),
        ];
        TextMatch[] matches =
        [
            new(0, "acme/alice", "db", 0.8765432f, highlights, "0193a1b2c3d4e5f60718293a4b5c6d7e", DeliveryKinds.Immediate, null, Truncated: true, RawScore: 0.61f),
            new(1, "bob", "i0", 0.5f, [], "id-2", DeliveryKinds.SuppressedDuplicate, "id-1"),
            new(2, "user-0 é \"x\"", "interest <1>", float.Epsilon, highlights, RawScore: -0f),
            new(0, "carol", "db", 1e-7f, [new("x", float.MaxValue)], "id-4", DeliveryKinds.Deferred, RawScore: 123456.78f),
        ];
        foreach (var message in messages)
        {
            foreach (var (text, withAttributes) in new[] { (message.Text, true), ((string?)null, false) })
            {
                var attributesWritten = withAttributes ? message.Attributes : null;
                var json = new MessageMatchesJson(message, text, attributesWritten, source);
                foreach (var match in matches)
                {
                    var expected = JsonSerializer.SerializeToUtf8Bytes(new PublishedMatch(match.MatchId, match.Delivery, match.DuplicateOf, message.Id, match.InterestId,
                        match.UserId, match.Score, match.Highlights, text, message.Timestamp, attributesWritten, source, match.Truncated, match.RawScore), OutputJson.Records.PublishedMatch);
                    Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(json.Write(match)));
                }
            }
        }
    }

    [Fact]
    public void A_digest_is_written_as_before()
    {
        var at = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.FromHours(1));
        var digest = new Digest("alice/7", "alice", at, DigestReasons.Schedule, 3,
            [new DigestGroup("db", [new UserMatch(at, "db", "the replica lags", 0.7f, [new Highlight("replica", 0.5f)], "id-1", DeliveryKinds.Deferred, RawScore: 0.6f)], 2)],
            [new DigestRepeat("id-0", "db", 49, at.AddMinutes(-5), 0.8f, 0.9f, "the replica lags again")]);
        Assert.Equal(JsonSerializer.Serialize(digest, Reflection), JsonSerializer.Serialize(digest, OutputJson.Records.Digest));
    }
}
