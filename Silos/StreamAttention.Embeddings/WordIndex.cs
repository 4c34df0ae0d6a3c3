namespace StreamAttention.Embeddings;

/// <summary>The position of each word of a model's word list, looked up by span (no string per token), each word once.</summary>
internal static class WordIndex
{
    public static Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> Of(string[] words)
    {
        var indexOfWord = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (var i = 0; i < words.Length; i++)
        {
            if (!indexOfWord.TryAdd(words[i], i))
            {
                throw new InvalidDataException($"The word '{words[i]}' appears twice.");
            }
        }
        return indexOfWord.GetAlternateLookup<ReadOnlySpan<char>>();
    }
}
