using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Lexical;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Lexical;

public sealed class InterestTermsTests
{
    [Theory]
    [InlineData("two or more", new string[0])]
    [InlineData("one of three replicas", new[] { "replicas" })]
    [InlineData("error 500", new[] { "error", "500" })]
    [InlineData("twenty 503 errors on port 8080", new[] { "503", "errors", "port", "8080" })]
    public void Spelled_out_counts_are_no_query_words_and_numerals_are(string text, string[] expected)
    {
        var interests = InterestIndex.Build([new InterestDefinition("i", text, "u")], new HashingTestEmbedder(), new ScoringOptions());

        Assert.Equal(expected, InterestTerms.Build(interests).QueryWords[0]);
    }
}
