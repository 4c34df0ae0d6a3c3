using System.Buffers;
using System.Text.Json;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Silo.IO;

/// <summary>
/// Writes matches as JSON Lines: <c>{"messageId","interestId","userId","score","prefilterScore","highlights":[{"token","weight"}],"truncated"?,"rawScore"?}</c>,
/// with <c>"truncated":true</c> when the message had more tokens than its scored windows cover (absent otherwise).
/// Uses Utf8JsonWriter directly because the command may write millions of lines, into a buffer of its own that goes to
/// the stream in blocks: a writer over the stream itself would flush the stream (a write call) for every line.
/// </summary>
public sealed class MatchWriter : IDisposable
{
    private static readonly JsonEncodedText MessageId = JsonEncodedText.Encode("messageId");
    private static readonly JsonEncodedText InterestId = JsonEncodedText.Encode("interestId");
    private static readonly JsonEncodedText UserId = JsonEncodedText.Encode("userId");
    private static readonly JsonEncodedText Score = JsonEncodedText.Encode("score");
    private static readonly JsonEncodedText PrefilterScore = JsonEncodedText.Encode("prefilterScore");
    private static readonly JsonEncodedText Highlights = JsonEncodedText.Encode("highlights");
    private static readonly JsonEncodedText Token = JsonEncodedText.Encode("token");
    private static readonly JsonEncodedText Weight = JsonEncodedText.Encode("weight");
    private static readonly JsonEncodedText Truncated = JsonEncodedText.Encode("truncated");
    private static readonly JsonEncodedText RawScore = JsonEncodedText.Encode("rawScore");

    /// <summary>Lines kept before they go to the stream in one write.</summary>
    private const int BlockSize = 1 << 16;

    private readonly Stream _stream;
    private readonly ArrayBufferWriter<byte> _lines = new(BlockSize * 2);
    private readonly Utf8JsonWriter _writer;

    public MatchWriter(Stream stream)
    {
        _stream = stream;
        _writer = new Utf8JsonWriter(_lines, new JsonWriterOptions { SkipValidation = false });
    }

    public long Written { get; private set; }

    public void Write(MessageMatch match)
    {
        _writer.WriteStartObject();
        _writer.WriteString(MessageId, match.MessageId);
        _writer.WriteString(InterestId, match.InterestId);
        if (match.UserId is null)
        {
            _writer.WriteNull(UserId);
        }
        else
        {
            _writer.WriteString(UserId, match.UserId);
        }
        _writer.WriteNumber(Score, Math.Round(match.Score, 6));
        _writer.WriteNumber(PrefilterScore, Math.Round(match.PrefilterScore, 6));
        _writer.WriteStartArray(Highlights);
        foreach (var highlight in match.Highlights)
        {
            _writer.WriteStartObject();
            _writer.WriteString(Token, highlight.Token);
            _writer.WriteNumber(Weight, Math.Round(highlight.Weight, 6));
            _writer.WriteEndObject();
        }
        _writer.WriteEndArray();
        if (match.Truncated)
        {
            _writer.WriteBoolean(Truncated, true);
        }
        if (match.RawScore is { } raw)
        {
            // Last, so that consumers reading the earlier fields by position are unaffected.
            _writer.WriteNumber(RawScore, Math.Round(raw, 6));
        }
        _writer.WriteEndObject();
        _writer.Flush();
        _writer.Reset();
        _lines.Write("\n"u8);
        Written++;
        if (_lines.WrittenCount >= BlockSize)
        {
            WriteLines();
        }
    }

    /// <summary>Pushes every line written so far to the underlying file, so its readers see every match so far.</summary>
    public void Flush()
    {
        WriteLines();
        _stream.Flush();
    }

    public void Dispose()
    {
        WriteLines();
        _writer.Dispose();
        _stream.Dispose();
    }

    private void WriteLines()
    {
        _stream.Write(_lines.WrittenSpan);
        _lines.ResetWrittenCount();
    }
}
