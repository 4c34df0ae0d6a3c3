namespace StreamAttention.Evaluation.Tests;

public sealed class EvaluationSplitTests
{
    [Theory]
    [InlineData("eval")]
    [InlineData("wordnet")]
    public void The_committed_split_is_the_stratified_split_of_the_labels(string set)
    {
        var labels = RelevanceLabels.Load(Path.Combine(EvalData.SetDirectory(set), "labels.jsonl"));
        var splitFile = Path.Combine(EvalData.SetDirectory(set), EvaluationSplit.FileName);

        var committed = EvaluationSplit.Load(splitFile);

        Assert.Equal(EvaluationSplit.Stratified(labels).SplitOfMessage.OrderBy(p => p.Key), committed.SplitOfMessage.OrderBy(p => p.Key));
        Assert.Equal(labels.MessageIds.Order(), committed.SplitOfMessage.Keys.Order());
        var writer = new StringWriter();
        committed.Write(writer);
        Assert.Equal(File.ReadAllText(splitFile), writer.ToString());
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("wordnet")]
    public void Every_interest_has_relevant_messages_in_both_halves_and_the_halves_are_about_equal(string set)
    {
        var labels = RelevanceLabels.Load(Path.Combine(EvalData.SetDirectory(set), "labels.jsonl"));
        var split = EvaluationSplit.Load(Path.Combine(EvalData.SetDirectory(set), EvaluationSplit.FileName));

        foreach (var interest in labels.InterestIds)
        {
            var relevant = labels.RelevantMessages(interest);
            Assert.True(relevant.Count(m => split.Contains(EvaluationSplit.Dev, m)) >= 2, interest);
            Assert.True(relevant.Count(m => split.Contains(EvaluationSplit.Test, m)) >= 2, interest);
        }
        var dev = labels.MessageIds.Count(m => split.Contains(EvaluationSplit.Dev, m));
        Assert.InRange(dev, labels.MessageIds.Count * 0.45, labels.MessageIds.Count * 0.55);
        Assert.All(labels.MessageIds, m => Assert.True(split.Contains(EvaluationSplit.All, m)));
    }

    [Fact]
    public void Rejects_unknown_split_names_and_messages_outside_the_split()
    {
        Assert.Throws<FormatException>(() => LoadText("""{"id": "m1", "split": "train"}"""));
        Assert.Throws<FormatException>(() => LoadText("""{"id": "m1", "split": "dev"}""" + "\n" + """{"id": "m1", "split": "test"}"""));
        var split = LoadText("""{"id": "m1", "split": "dev"}""");
        Assert.Throws<ArgumentException>(() => split.Contains(EvaluationSplit.Dev, "m2"));
        Assert.Throws<ArgumentException>(() => split.Contains("train", "m1"));
    }

    /// <summary>A line that is no JSON, or holds an escaped surrogate without its pair (no string holds one), stops eval as any bad line does.</summary>
    [Theory]
    [InlineData("""{"id": "m1", "split": "dev"}""" + "\n" + """{"id": "m2", "split": """, "")]
    [InlineData("""{"id": "m1", "split": "dev"}""" + "\n" + """{"id": "m2\udc00", "split": "dev"}""", "the text holds a lone surrogate escape")]
    public void A_line_that_is_not_json_or_holds_a_lone_surrogate_fails_with_its_line_number(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => LoadText(text));

        Assert.Contains(" line 2: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    private static EvaluationSplit LoadText(string text)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, text);
            return EvaluationSplit.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
