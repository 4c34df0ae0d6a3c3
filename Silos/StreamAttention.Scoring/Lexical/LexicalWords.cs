namespace StreamAttention.Scoring.Lexical;

/// <summary>
/// The words of a raw text for exact-term evidence: lowercase runs of letters and digits (any script), every other
/// character a boundary. Unlike the embedders' tokens nothing is dropped (numbers, single letters, stop words and
/// unknown words all count), so "db-eu-1" is the words "db", "eu", "1" and "ORA-01555" is "ora", "01555".
/// </summary>
public static class LexicalWords
{
    public static string[] Split(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var inWord = i < text.Length && char.IsLetterOrDigit(text[i]);
            if (inWord && start < 0)
            {
                start = i;
            }
            else if (!inWord && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }
        return [.. words];
    }
}
