namespace StreamAttention.Testing;

/// <summary>Interests and messages whose GloVe scores are far on either side of the thresholds used.</summary>
public static class Texts
{
    public const string DatabaseInterest = "postgresql database performance tuning";
    public const string DatabaseMessage = "slow postgresql queries after the database upgrade";
    public const string RacingInterest = "formula one racing";
    public const float RacingThreshold = 0.5f;
    public const string RacingMessage = "hamilton wins the grand prix race";
    public const string Unrelated = "recipe for a chocolate cake with strawberries";

    /// <summary>
    /// <see cref="DatabaseMessage"/> 100 times: 500 known words, more than the 288 that the default 8 windows of 64
    /// cover, so it matches the database interest and is truncated.
    /// </summary>
    public static readonly string DatabaseMessageBeyondWindows = string.Join(' ', Enumerable.Repeat(DatabaseMessage, 100));

    private static readonly string[] FillerWords = string.Join(' ',
        "The football team won on Saturday after a late goal from the new striker.",
        "Please remember to submit your travel expenses before the end of the month.",
        "The weather should be sunny this weekend, perfect for the company picnic by the lake.",
        "Our book club meets on Thursday to discuss the second half of the novel.",
        "The garden needs watering twice a week while the roses are in bloom.",
        "Tickets for the summer concert in the park go on sale next Monday morning.").Split(' ');

    /// <summary>
    /// <paramref name="paragraph"/> between unrelated everyday sentences: <paramref name="wordsBefore"/> words of them
    /// before it and <paramref name="wordsAfter"/> after (about half of them known non-stop words), for long-text tests.
    /// </summary>
    public static string LongText(string paragraph, int wordsBefore, int wordsAfter)
    {
        var filler = Enumerable.Range(0, wordsBefore + wordsAfter).Select(i => FillerWords[i % FillerWords.Length]).ToArray();
        return string.Join(' ', filler[..wordsBefore].Append(paragraph).Concat(filler[wordsBefore..]).Where(part => part.Length > 0));
    }
}
