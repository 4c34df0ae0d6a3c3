using System.Text.Json;
using System.Text.RegularExpressions;
using StreamAttention.Contracts.Json;

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
        { InnerException: JsonException json } => $"The body is not the JSON this endpoint takes: {JsonErrors.Describe(json)}",
        _ when exception.Message.StartsWith("Implicit body inferred", StringComparison.Ordinal)
            || exception.Message.Contains("was not provided from body", StringComparison.Ordinal) => "The request needs a JSON body.",
        _ when BindFailure().Match(exception.Message) is { Success: true } failure
            => $"'{failure.Groups["value"].Value}' is not a valid value for '{failure.Groups["name"].Value}'.",
        _ => exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message,
    };

    [GeneratedRegex("""^Failed to bind parameter "\S+ (?<name>\w+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
