using System.Text;
using System.Text.Json;
using StreamAttention.Contracts.Json;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.IO;

/// <summary>
/// Reads a JSON Lines file one record at a time. A line that fails to parse or validate is reported on the
/// error writer with its file name and line number and skipped (counted in <see cref="BadLines"/>); blank lines are ignored.
/// A line that is not valid UTF-8 is a bad line too, rather than read with U+FFFD in place of its bytes (a silently changed id),
/// and so is one with a string that no .NET string holds (<see cref="UnreadableStrings"/>).
/// </summary>
public sealed class JsonLinesReader<T>(string path, Func<JsonElement, T> parse, TextWriter errors)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int BadLines { get; private set; }

    /// <summary>The file's line of the record last read, as errors name it: <c>name:line</c>.</summary>
    public string Position => $"{Path.GetFileName(path)}:{_lineNumber}";

    private int _lineNumber;

    public IEnumerable<T> Read()
    {
        // Lines are split on bytes (Latin-1 maps each byte to one char and back) and then decoded one by one, so invalid
        // UTF-8 fails its own line only; '\n' and '\r' never occur inside a multi-byte UTF-8 sequence.
        using var reader = new StreamReader(path, Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
        _lineNumber = 0;
        while (reader.ReadLine() is { } bytes)
        {
            var lineNumber = ++_lineNumber;
            T record;
            try
            {
                var line = StrictUtf8.GetString(Encoding.Latin1.GetBytes(bytes));
                if (lineNumber == 1)
                {
                    // A file saved with a byte-order mark: not part of the first record.
                    line = line.TrimStart('\uFEFF');
                }
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                using var document = JsonDocument.Parse(line);
                // Every string up front: one no .NET string holds would throw where a field is read, ending the run.
                if (UnreadableStrings.Describe(document.RootElement) is { } unreadable)
                {
                    throw new FormatException(unreadable);
                }
                record = parse(document.RootElement);
            }
            catch (DecoderFallbackException)
            {
                BadLines++;
                errors.WriteLine($"{Path.GetFileName(path)}:{lineNumber}: skipped: not valid UTF-8");
                continue;
            }
            catch (Exception e) when (e is JsonException or FormatException)
            {
                BadLines++;
                // Escaped: the message may quote the line (a term both required and excluded), which must not forge a line of ours.
                errors.WriteLine($"{Path.GetFileName(path)}:{lineNumber}: skipped: {ControlCharacterEscapingLogProvider.EscapeLine(e.Message)}");
                continue;
            }
            yield return record;
        }
    }
}

/// <summary>Field access for JSON Lines records, with errors that name the field.</summary>
public static class JsonRecord
{
    public static string RequiredString(JsonElement record, string name, bool allowEmpty = true)
    {
        RequireObject(record);
        if (!record.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"field '{name}' must be a string");
        }
        var text = value.GetString()!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(text))
        {
            throw new FormatException($"field '{name}' must not be empty");
        }
        return text;
    }

    public static string? OptionalString(JsonElement record, string name)
    {
        RequireObject(record);
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw new FormatException($"field '{name}' must be a string or null");
    }

    public static float? OptionalNumber(JsonElement record, string name)
    {
        RequireObject(record);
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            throw new FormatException($"field '{name}' must be a number");
        }
        return (float)number;
    }

    /// <summary>A keyword list (<c>require</c>, <c>exclude</c>): an array of terms with a letter or digit each, normalised; null when absent or empty.</summary>
    public static IReadOnlyList<string>? OptionalTerms(JsonElement record, string name)
    {
        RequireObject(record);
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array
            || value.EnumerateArray().Any(term => term.ValueKind != JsonValueKind.String || LexicalWords.Split(term.GetString()).Length == 0))
        {
            throw new FormatException($"field '{name}' must be an array of terms, each with a letter or digit");
        }
        return KeywordRules.Normalize(value.EnumerateArray().Select(term => term.GetString()).ToArray());
    }

    private static void RequireObject(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("line must be a JSON object");
        }
    }
}
