using System.Text.Json;
using System.Text.RegularExpressions;

namespace StreamAttention.Server.Apis;

/// <summary>
/// What a request the binder refused did wrong, in the API's terms: the binder's and the JSON reader's own messages
/// name .NET types and parameters ("Implicit body inferred for parameter …", "could not be converted to
/// StreamAttention.Server.Apis.InterestBody", "Failed to bind parameter "Nullable`1 limit" …").
/// </summary>
public static partial class BadRequestDetails
{
    public static string Describe(BadHttpRequestException exception) => exception switch
    {
        { InnerException: JsonException json } => $"The body is not the JSON this endpoint takes: {Describe(json)}",
        _ when exception.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal)
            || exception.Message.Contains("was not provided from body", StringComparison.Ordinal) => "The request needs a JSON body.",
        _ when BindFailure().Match(exception.Message) is { Success: true } failure
            => $"'{failure.Groups["value"].Value}' is not a valid value for '{failure.Groups["name"].Value}'.",
        _ => exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message,
    };

    /// <summary>What is wrong where: "the value has the wrong type at $.threshold (line 1, byte 30)".</summary>
    public static string Describe(JsonException json)
    {
        // The reader reports a string it cannot decode as a value it could not convert: its inner error says why.
        var undecodable = json.InnerException is InvalidOperationException { Message: var reason } ? reason : "";
        var what = undecodable.Contains("invalid UTF-8", StringComparison.Ordinal) ? "the text is not valid UTF-8"
            : undecodable.Contains("UTF-16", StringComparison.Ordinal) ? @"the text holds a lone surrogate escape (\uD800 to \uDFFF without its pair)"
            : json.Message.Contains("could not be converted", StringComparison.Ordinal) ? "the value has the wrong type"
            : json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) ? "no such field"
            : json.Message.Contains("Duplicate", StringComparison.Ordinal) ? "the field is given twice"
            : json.Message.Split(" Path: ", 2)[0].Replace(" Change the reader options.", "", StringComparison.Ordinal).TrimEnd('.');
        return json.Path is null ? $"{what}." : $"{what} at {json.Path} (line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).";
    }

    [GeneratedRegex("""^Failed to bind parameter "\S+ (?<name>\w+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
