namespace StreamAttention.Scoring.Tests;

/// <summary>Texts of random words from a small vocabulary ("w0", "w1", …), so that generated interests and messages share words.</summary>
internal sealed class RandomWordTexts(int vocabularySize)
{
    public string[] Vocabulary { get; } = Enumerable.Range(0, vocabularySize).Select(i => $"w{i}").ToArray();

    /// <summary><paramref name="minWords"/> to <paramref name="maxWords"/> words drawn from <paramref name="random"/>.</summary>
    public string Next(Random random, int minWords, int maxWords)
        => string.Join(' ', Enumerable.Range(0, random.Next(minWords, maxWords + 1)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)]));
}
