using System.Buffers;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON values of one message's matches, byte for byte as <see cref="OutputJson"/> writes a
/// <see cref="PublishedMatch"/>: what every match of the message shares (message id, text, timestamp, attributes,
/// source) is encoded once, by that serializer, and copied into each value; the match's own fields are written around it
/// in the record's order. At 100,000 interests a message has hundreds of matches.
/// </summary>
public sealed class MessageMatchesJson
{
    private static readonly JsonEncodedText MatchIdName = JsonEncodedText.Encode("matchId");
    private static readonly JsonEncodedText DeliveryName = JsonEncodedText.Encode("delivery");
    private static readonly JsonEncodedText DuplicateOfName = JsonEncodedText.Encode("duplicateOf");
    private static readonly JsonEncodedText MessageIdName = JsonEncodedText.Encode("messageId");
    private static readonly JsonEncodedText InterestIdName = JsonEncodedText.Encode("interestId");
    private static readonly JsonEncodedText UserIdName = JsonEncodedText.Encode("userId");
    private static readonly JsonEncodedText ScoreName = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText HighlightsName = JsonEncodedText.Encode("highlights");
    private static readonly JsonEncodedText TokenName = JsonEncodedText.Encode("token");
    private static readonly JsonEncodedText WeightName = JsonEncodedText.Encode("weight");
    private static readonly JsonEncodedText TextName = JsonEncodedText.Encode("text");
    private static readonly JsonEncodedText TimestampName = JsonEncodedText.Encode("timestamp");
    private static readonly JsonEncodedText AttributesName = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText TruncatedName = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText RawScoreName = JsonEncodedText.Encode("rawScore");

    private readonly byte[] _messageId;
    private readonly byte[]? _text;
    private readonly byte[]? _timestamp;
    private readonly byte[]? _attributes;
    private readonly byte[] _source;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    /// <param name="text">The message's text, or null when the values leave it out.</param>
    /// <param name="attributes">The message's attributes, or null when the values leave them out.</param>
    public MessageMatchesJson(IngestMessage message, string? text, JsonElement? attributes, SourcePosition source)
    {
        _messageId = JsonSerializer.SerializeToUtf8Bytes(message.Id, OutputJson.Default.String);
        _text = text is null ? null : JsonSerializer.SerializeToUtf8Bytes(text, OutputJson.Default.String);
        _timestamp = message.Timestamp is { } timestamp ? JsonSerializer.SerializeToUtf8Bytes(timestamp, OutputJson.Default.JsonElement) : null;
        _attributes = attributes is { } value ? JsonSerializer.SerializeToUtf8Bytes(value, OutputJson.Default.JsonElement) : null;
        _source = JsonSerializer.SerializeToUtf8Bytes(source, OutputJson.Default.SourcePosition);
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    /// <summary>The value of <paramref name="match"/> (its decision included); absent fields are left out, as the serializer does.</summary>
    public byte[] Write(TextMatch match)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
        var writer = _writer;
        writer.WriteStartObject();
        WriteString(MatchIdName, match.MatchId);
        WriteString(DeliveryName, match.Delivery);
        WriteString(DuplicateOfName, match.DuplicateOf);
        WriteRaw(MessageIdName, _messageId);
        WriteString(InterestIdName, match.InterestId);
        WriteString(UserIdName, match.UserId);
        writer.WriteNumber(ScoreName, match.Score);
        if (match.Highlights is { } highlights)
        {
            writer.WriteStartArray(HighlightsName);
            foreach (var highlight in highlights)
            {
                writer.WriteStartObject();
                WriteString(TokenName, highlight.Token);
                writer.WriteNumber(WeightName, highlight.Weight);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        WriteRaw(TextName, _text);
        WriteRaw(TimestampName, _timestamp);
        WriteRaw(AttributesName, _attributes);
        WriteRaw(SourceName, _source);
        if (match.Truncated)
        {
            writer.WriteBoolean(TruncatedName, true);
        }
        if (match.RawScore is { } rawScore)
        {
            writer.WriteNumber(RawScoreName, rawScore);
        }
        writer.WriteEndObject();
        writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    private void WriteString(JsonEncodedText name, string? value)
    {
        if (value is not null)
        {
            _writer.WriteString(name, value);
        }
    }

    private void WriteRaw(JsonEncodedText name, byte[]? json)
    {
        if (json is not null)
        {
            _writer.WritePropertyName(name);
            _writer.WriteRawValue(json, skipInputValidation: true);
        }
    }
}
