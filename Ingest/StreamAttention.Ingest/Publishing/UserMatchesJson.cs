using System.Buffers;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;
using static StreamAttention.Ingest.Publishing.PublishedMatchJson;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// The pieces of <see cref="PublishedUserMatches"/> values: a record's start (<c>{"userId":…,"messages":[</c>), a
/// message's start (its fields, then <c>"matches":[</c>) and a match. Their concatenation with commas and closing
/// brackets (<see cref="UserBatchRecords"/>) is, byte for byte, what <see cref="OutputJson"/> writes for the record:
/// the same names, order, escaping and absent fields. One writer and buffer are reused for every piece.
/// </summary>
public sealed class UserMatchesJson
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _writer;

    public UserMatchesJson() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true, Encoder = OutputJson.Encoder });

    /// <summary><c>{"userId":…,"messages":[</c></summary>
    public byte[] RecordStart(string userId)
    {
        Begin();
        _writer.WriteStartObject();
        _writer.WriteString(UserIdName, userId);
        _writer.WriteStartArray(MessagesName);
        return End().ToArray();
    }

    /// <summary>The message's fields, then <c>"matches":[</c>: written once per message, copied into each record that lists it.</summary>
    /// <param name="text">The message's text, or null when the records leave it out.</param>
    /// <param name="attributes">The message's attributes, or null when the records leave them out.</param>
    public byte[] MessageStart(IngestMessage message, string? text, JsonElement? attributes, SourcePosition source)
    {
        Begin();
        var writer = _writer;
        writer.WriteStartObject();
        writer.WriteString(MessageIdName, message.Id);
        if (text is not null)
        {
            writer.WriteString(TextName, text);
        }
        if (message.Timestamp is { } timestamp)
        {
            writer.WritePropertyName(TimestampName);
            timestamp.WriteTo(writer);
        }
        if (attributes is { } value)
        {
            writer.WritePropertyName(AttributesName);
            value.WriteTo(writer);
        }
        writer.WritePropertyName(SourceName);
        JsonSerializer.Serialize(writer, source, OutputJson.Records.SourcePosition);
        writer.WriteStartArray(MatchesName);
        return End().ToArray();
    }

    /// <summary>The match's own fields (those of a <see cref="PublishedUserMatch"/>), as one object; valid until the next call.</summary>
    public ReadOnlySpan<byte> Match(TextMatch match)
    {
        Begin();
        var writer = _writer;
        writer.WriteStartObject();
        WriteString(MatchIdName, match.MatchId);
        WriteString(DeliveryName, match.Delivery);
        WriteString(DuplicateOfName, match.DuplicateOf);
        writer.WriteString(InterestIdName, match.InterestId);
        writer.WriteNumber(ScoreName, match.Score);
        PublishedMatchJson.WriteHighlights(writer, match.Highlights);
        if (match.Truncated)
        {
            writer.WriteBoolean(TruncatedName, true);
        }
        if (match.RawScore is { } rawScore)
        {
            writer.WriteNumber(RawScoreName, rawScore);
        }
        writer.WriteEndObject();
        return End();
    }

    /// <summary>An empty buffer and a fresh writer state (no pending comma, depth 0).</summary>
    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset();
    }

    private ReadOnlySpan<byte> End()
    {
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    private void WriteString(JsonEncodedText name, string? value) => PublishedMatchJson.WriteStringIfAny(_writer, name, value);
}
