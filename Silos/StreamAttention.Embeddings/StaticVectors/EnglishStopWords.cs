using System.Security.Cryptography;
using System.Text;

namespace StreamAttention.Embeddings.StaticVectors;

/// <summary>
/// English function words (after the common NLTK/SMART lists) plus contractions as <see cref="WordTokenizer"/> keeps
/// them ("don't" is one token; a trailing "'s" is removed before the lookup, so "it's" is "it").
/// "http", "https" and "www" are here too: URLs would otherwise put these rare, heavily weighted GloVe words in every link.
/// <see cref="Words"/> adds spelled-out numbers (<see cref="NumberWords"/>); numerals ("500", "2024") are not stop words:
/// the distilled embedder and the term evidence weigh them (GloVe's tokenizer drops words without a letter).
/// </summary>
public static class EnglishStopWords
{
    /// <summary>
    /// Spelled-out cardinals: "two or more", "one of three" is in every other definition and note, so an interest that
    /// shared only a count with a message matched it. Ordinals and "million" stay: "first byte", "second replica", "60
    /// million bid" name things (docs/benchmarks.md, "Relevance: number words").
    /// </summary>
    private static IReadOnlyList<string> NumberWords { get; } =
    [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen",
        "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
        "hundred", "thousand",
    ];

    /// <summary>
    /// The GloVe embedder's stop words: without the number words. With them its wordnet dev F1 fell 0.243 → 0.235 and
    /// its shipped calibration no longer reproduced (docs/benchmarks.md, "Relevance: number words").
    /// </summary>
    public static IReadOnlyList<string> FunctionWords { get; } =
    [
        "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself", "yourselves",
        "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
        "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "whose", "this", "that", "these", "those",
        "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing",
        "would", "could", "should", "shall", "will", "can", "cannot", "must", "might", "ought",
        "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while", "of", "at", "by", "for", "with",
        "about", "against", "between", "into", "through", "during", "before", "after", "above", "below", "to", "from",
        "up", "down", "in", "out", "on", "off", "over", "under", "upon", "again", "further", "then", "once", "here", "there",
        "when", "where", "why", "how", "all", "any", "both", "each", "few", "more", "most", "other", "some", "such",
        "no", "nor", "not", "only", "own", "same", "so", "than", "too", "very", "just", "also", "now", "yet", "ever",
        "i'm", "i've", "i'd", "i'll", "you're", "you've", "you'd", "you'll", "he'd", "he'll", "she'd", "she'll",
        "it'd", "it'll", "we're", "we've", "we'd", "we'll", "they're", "they've", "they'd", "they'll", "that'll",
        "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "hadn't", "doesn't", "don't", "didn't",
        "won't", "wouldn't", "shan't", "shouldn't", "can't", "couldn't", "mustn't", "mightn't", "needn't",
        "http", "https", "www",
    ];

    /// <summary>The distilled embedder's, the term evidence's and the highlights' stop words.</summary>
    public static IReadOnlyList<string> Words { get; } = [.. FunctionWords, .. NumberWords];

    /// <summary>A hash of <see cref="Words"/>, for cached files fitted on the words they leave (the distilled sentence map).</summary>
    public static string Key { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(' ', Words))))[..16];
}
