namespace StreamAttention.Evaluation.Tests;

public sealed class RelevanceLabelsTests
{
    [Fact]
    public void Reads_relevance_in_both_directions_and_skips_blank_lines()
    {
        var labels = Parse("""
            {"id": "m1", "relevant": ["db-outages", "disk-full"]}

            {"id": "m2", "relevant": []}
            {"id": "m3", "relevant": ["db-outages"]}
            """);

        Assert.Equal(3, labels.MessageIds.Count);
        Assert.True(labels.IsLabelled("m2"));
        Assert.False(labels.IsLabelled("m4"));
        Assert.True(labels.IsRelevant("disk-full", "m1"));
        Assert.False(labels.IsRelevant("disk-full", "m3"));
        Assert.Empty(labels.RelevantInterests("m2"));
        Assert.Equal(["m1", "m3"], labels.RelevantMessages("db-outages").Order());
        Assert.Empty(labels.RelevantMessages("nobody-cares"));
        Assert.Equal(["db-outages", "disk-full"], labels.InterestIds.Order());
    }

    [Theory]
    [InlineData("{\"id\": \"m1\", \"relevant\": []}\n{\"id\": \"m2\", \"relevant\": [", 2, "not valid JSON")]
    [InlineData("[\"m1\"]", 1, "expected a JSON object")]
    [InlineData("{\"relevant\": []}", 1, "\"id\" must be a non-empty string")]
    [InlineData("{\"id\": 7, \"relevant\": []}", 1, "\"id\" must be a non-empty string")]
    [InlineData("{\"id\": \"m1\"}", 1, "\"relevant\" must be an array")]
    [InlineData("{\"id\": \"m1\", \"relevant\": \"db-outages\"}", 1, "\"relevant\" must be an array")]
    [InlineData("{\"id\": \"m1\", \"relevant\": [\"a\", 3]}", 1, "entries must be non-empty strings")]
    [InlineData("{\"id\": \"m1\", \"relevant\": [\"a\", \"a\"]}", 1, "interest \"a\" is listed twice")]
    [InlineData("{\"id\": \"m1\", \"relevant\": []}\n\n{\"id\": \"m1\", \"relevant\": [\"a\"]}", 3, "message \"m1\" is labelled twice")]
    // JSON allows an escaped surrogate without its pair, which no string holds.
    [InlineData("{\"id\": \"\\ud800\", \"relevant\": []}", 1, "$.id holds a lone surrogate escape")]
    [InlineData("{\"id\": \"m1\", \"relevant\": [\"a\", \"\\udc00\"]}", 1, "$.relevant[1] holds a lone surrogate escape")]
    public void Bad_lines_fail_with_their_line_number(string content, int line, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Parse(content));

        Assert.StartsWith($"labels.jsonl line {line}: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Load_names_the_file_in_errors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"labels-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, "not json\n");
        try
        {
            var error = Assert.Throws<FormatException>(() => RelevanceLabels.Load(path));

            Assert.StartsWith($"{Path.GetFileName(path)} line 1: ", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static RelevanceLabels Parse(string content) => RelevanceLabels.Parse(new StringReader(content), "labels.jsonl");
}
