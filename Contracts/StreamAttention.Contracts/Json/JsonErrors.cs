using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamAttention.Contracts.Json;

/// <summary>
/// A JSON error in the service's own words, the same wherever JSON is read (an HTTP body, an import line, a Kafka
/// message's dead letter): what is wrong and where, not the reader's text (".NET member", "LineNumber: 0 |
/// BytePositionInLine: 1", both counted from 0).
/// </summary>
public static partial class JsonErrors
{
    /// <summary>
    /// "the value has the wrong type at $.threshold (line 1, byte 30)." from the serializer, which knows the path;
    /// "'}' is an invalid start of a value (line 1, byte 23)." from a <see cref="JsonDocument"/>, which does not.
    /// </summary>
    public static string Describe(JsonException json)
    {
        // The reader reports a string it cannot decode as a value it could not convert: its inner error says why.
        var undecodable = json.InnerException is InvalidOperationException { Message: var reason } ? reason : "";
        var what = undecodable.Contains("invalid UTF-8", StringComparison.Ordinal) ? "the text is not valid UTF-8"
            : undecodable.Contains("UTF-16", StringComparison.Ordinal) ? $"the text {UnreadableStrings.Problem}"
            : json.Message.Contains("could not be converted", StringComparison.Ordinal) ? "the value has the wrong type"
            : json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) ? "no such field"
            // A JsonDocument gives no path: the field is named from its message.
            : json.Message.Contains("Duplicate", StringComparison.Ordinal)
                ? json.Path is null && DuplicateProperty().Match(json.Message) is { Success: true } named ? $"the field '{named.Groups["name"].Value}' is given twice" : "the field is given twice"
            : json.Message.Split(" Path: ", 2)[0].Split(" LineNumber: ", 2)[0].Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd('.');
        var where = json.Path is null ? "" : $" at {json.Path}";
        return json.LineNumber is { } line ? $"{what}{where} (line {line + 1}, byte {json.BytePositionInLine + 1})." : $"{what}{where}.";
    }

    [GeneratedRegex("^Duplicate property '(?<name>.*)' encountered", RegexOptions.Singleline)]
    private static partial Regex DuplicateProperty();
}
