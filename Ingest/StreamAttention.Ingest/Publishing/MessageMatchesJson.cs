using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;
using static StreamAttention.Ingest.Publishing.PublishedMatchJson;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The JSON values of one message's matches, byte for byte as <see cref="OutputJson"/> writes a
/// <see cref="PublishedMatch"/>: what every match of the message shares (message id, text, timestamp, attributes,
/// source) is encoded once, by that serializer, and copied into each value; the match's own fields are written around it
/// in the record's order. At 100,000 interests a message has hundreds of matches: values and keys are written into
/// arrays reused by length, so a match's record allocates neither.
/// </summary>
public sealed class MessageMatchesJson
{
    private readonly byte[] _messageId;
    private readonly byte[]? _text;
    private readonly byte[]? _timestamp;
    private readonly byte[]? _attributes;
    private readonly byte[] _source;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Dictionary<int, byte[]> _valuesByLength = [];
    private readonly Dictionary<int, byte[]> _keysByLength = [];
    private readonly Utf8JsonWriter _writer;

    /// <param name="text">The message's text, or null when the values leave it out.</param>
    /// <param name="attributes">The message's attributes, or null when the values leave them out.</param>
    public MessageMatchesJson(IngestMessage message, string? text, JsonElement? attributes, SourcePosition source)
    {
        _messageId = JsonSerializer.SerializeToUtf8Bytes(message.Id, OutputJson.Records.String);
        _text = text is null ? null : JsonSerializer.SerializeToUtf8Bytes(text, OutputJson.Records.String);
        _timestamp = message.Timestamp is { } timestamp ? JsonSerializer.SerializeToUtf8Bytes(timestamp, OutputJson.Records.JsonElement) : null;
        _attributes = attributes is { } value ? JsonSerializer.SerializeToUtf8Bytes(value, OutputJson.Records.JsonElement) : null;
        _source = JsonSerializer.SerializeToUtf8Bytes(source, OutputJson.Records.SourcePosition);
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true, Encoder = OutputJson.Encoder });
    }

    /// <summary>
    /// The value of <paramref name="match"/> (its decision included); absent fields are left out, as the serializer does.
    /// The array is this writer's: a later value of the same length is written into it, so hand it to the producer before
    /// the next <see cref="Write"/> (librdkafka copies a value while it is produced, and Confluent.Kafka takes a value as
    /// a whole array). A message's hundreds of values fall on a few dozen lengths, so most need no new array.
    /// </summary>
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
        PublishedMatchJson.WriteHighlights(writer, match.Highlights);
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
        var written = _buffer.WrittenSpan;
        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(_valuesByLength, written.Length, out _);
        value ??= new byte[written.Length];
        written.CopyTo(value);
        return value;
    }

    /// <summary>
    /// The record key of the user with key <paramref name="userKey"/>: its UTF-8 bytes, in an array of this writer's that
    /// a later key of the same length is written into, as <see cref="Write"/>'s values (a message's users' keys mostly
    /// share one length).
    /// </summary>
    public byte[] Key(string userKey)
    {
        var length = Encoding.UTF8.GetByteCount(userKey);
        ref var key = ref CollectionsMarshal.GetValueRefOrAddDefault(_keysByLength, length, out _);
        key ??= new byte[length];
        Encoding.UTF8.GetBytes(userKey, key);
        return key;
    }

    private void WriteString(JsonEncodedText name, string? value) => PublishedMatchJson.WriteStringIfAny(_writer, name, value);

    private void WriteRaw(JsonEncodedText name, byte[]? json)
    {
        if (json is not null)
        {
            _writer.WritePropertyName(name);
            _writer.WriteRawValue(json, skipInputValidation: true);
        }
    }
}
