namespace StreamAttention.Contracts.Text;

/// <summary>
/// A text cut for size the same wherever one is cut by characters (an import's error messages in a silo, a digest's
/// texts in the ingest): its start, never half a surrogate pair, and <see cref="Ellipsis"/>.
/// </summary>
public static class TextCut
{
    /// <summary>What ends a cut text: one character, 3 bytes in UTF-8.</summary>
    public const string Ellipsis = "…";

    /// <summary>
    /// The text whole when it has at most <paramref name="length"/> characters; else its first <paramref name="length"/>
    /// (one fewer where the last would be the first half of a surrogate pair, such as an emoji's) and <see cref="Ellipsis"/>.
    /// </summary>
    public static string Start(string text, int length)
    {
        if (text.Length <= length)
        {
            return text;
        }
        var end = char.IsHighSurrogate(text[length - 1]) ? length - 1 : length;
        return string.Concat(text.AsSpan(0, end), Ellipsis);
    }
}
