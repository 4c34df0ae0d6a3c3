using System.Text.Json;

namespace StreamAttention.Contracts.Json;

/// <summary>
/// Strings that JSON allows but no .NET string holds: an escaped UTF-16 surrogate without its pair (<c>"\ud800"</c>,
/// <c>"\udbff\u0041"</c>). Reading one throws wherever it is read (<see cref="JsonElement.GetString"/>, a property's
/// name), and one that got in would fail its UTF-8 encoding later (an output record, a stored interest): whatever reads
/// a <see cref="JsonDocument"/> from outside refuses it up front, where the line or message can still be told.
/// </summary>
public static class UnreadableStrings
{
    /// <summary>What is wrong with such a string, after its path or "the text".</summary>
    public const string Problem = @"holds a lone surrogate escape (\uD800 to \uDFFF without its pair)";

    /// <summary>
    /// "$.text holds a lone surrogate escape (…)" for the first string value or property name under
    /// <paramref name="root"/> that no .NET string holds; null when there is none. A path is only made for that one
    /// (a message of token vectors is thousands of numbers).
    /// </summary>
    public static string? Describe(JsonElement root) => UnreadableIn(root) is { } rest ? $"${rest} {Problem}" : null;

    /// <summary>The path, below <paramref name="element"/>, of its first unreadable string: "" for itself, null for none.</summary>
    private static string? UnreadableIn(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Readable(element) ? null : "";
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (!Readable(property))
                    {
                        return " (a property name)";
                    }
                    if (UnreadableIn(property.Value) is { } inner)
                    {
                        return $".{property.Name}{inner}";
                    }
                }
                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (UnreadableIn(item) is { } inner)
                    {
                        return $"[{index}]{inner}";
                    }
                    index++;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool Readable(JsonElement text)
    {
        try
        {
            text.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool Readable(JsonProperty property)
    {
        try
        {
            _ = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
