using Xunit.Abstractions;

namespace StreamAttention.Evaluation.Tests;

/// <summary>Keeps the labelled sets under tests/data consistent as they are edited or rebuilt, and shows what the lexical baseline makes of them.</summary>
public sealed class EvalDataTests(ITestOutputHelper output)
{
    private static readonly string SampleDirectory = EvalData.SampleDirectory;

    [Theory]
    [InlineData("eval", 30, 36, 400, 500)]
    [InlineData("wordnet", 40, 100, 1500, 4000)]
    public void Ids_are_unique_and_texts_present(string set, int minInterests, int maxInterests, int minMessages, int maxMessages)
    {
        var interests = EvalData.Interests(EvalData.SetDirectory(set));
        var messages = EvalData.Messages(EvalData.SetDirectory(set));

        AssertUnique(interests.Select(interest => interest.Id));
        AssertUnique(messages.Select(message => message.Id));
        Assert.All(interests, interest => Assert.False(string.IsNullOrWhiteSpace(interest.Text)));
        Assert.All(interests, interest => Assert.False(string.IsNullOrWhiteSpace(interest.UserId)));
        Assert.All(interests, interest => Assert.True(interest.Threshold is null or > 0 and < 1, $"{interest.Id}: threshold {interest.Threshold}"));
        Assert.All(messages, message => Assert.False(string.IsNullOrWhiteSpace(message.Text)));
        Assert.InRange(interests.Count, minInterests, maxInterests);
        Assert.InRange(messages.Count, minMessages, maxMessages);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("wordnet")]
    public void Every_message_is_labelled_once_with_known_interests(string set)
    {
        var directory = EvalData.SetDirectory(set);
        var interestIds = EvalData.Interests(directory).Select(interest => interest.Id).ToHashSet();
        var messageIds = EvalData.Messages(directory).Select(message => message.Id).ToHashSet();

        // Load already rejects a message labelled twice.
        var labels = RelevanceLabels.Load(Path.Combine(directory, "labels.jsonl"));

        Assert.Empty(labels.MessageIds.Except(messageIds));
        Assert.All(messageIds, id => Assert.True(labels.IsLabelled(id), $"{id} has no label line"));
        Assert.Empty(labels.InterestIds.Except(interestIds));
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("wordnet")]
    public void Every_interest_has_at_least_five_relevant_messages(string set)
    {
        var labels = RelevanceLabels.Load(Path.Combine(EvalData.SetDirectory(set), "labels.jsonl"));

        Assert.All(EvalData.Interests(EvalData.SetDirectory(set)), interest => Assert.True(
            labels.RelevantMessages(interest.Id).Count >= 5,
            $"{interest.Id} has {labels.RelevantMessages(interest.Id).Count} relevant messages"));
    }

    [Fact]
    public void Samples_are_well_formed_and_not_copied_from_the_eval_set()
    {
        var interests = EvalData.Interests(SampleDirectory);
        var messages = EvalData.Messages(SampleDirectory);

        AssertUnique(interests.Select(interest => interest.Id));
        AssertUnique(messages.Select(message => message.Id));
        var evalTexts = new[] { "eval", "wordnet" }.Select(EvalData.SetDirectory)
            .SelectMany(set => EvalData.Interests(set).Select(interest => interest.Text).Concat(EvalData.Messages(set).Select(message => message.Text)))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.All(interests.Select(interest => interest.Text).Concat(messages.Select(message => message.Text)), text => Assert.DoesNotContain(text, evalTexts));
    }

    [Theory]
    [InlineData("eval", 0.2)]
    [InlineData("wordnet", 0.05)]
    public void Bm25_baseline_is_far_from_random_but_far_from_perfect(string set, double minimumMap)
    {
        var directory = EvalData.SetDirectory(set);
        var interests = EvalData.Interests(directory);
        var messages = EvalData.Messages(directory);
        var labels = RelevanceLabels.Load(Path.Combine(directory, "labels.jsonl"));
        var index = new Bm25Index(messages.Select(message => message.Text).ToList(), TestText.Words);
        var scores = new float[interests.Count, messages.Count];
        for (var interest = 0; interest < interests.Count; interest++)
        {
            var row = index.Score(interests[interest].Text);
            for (var message = 0; message < messages.Count; message++)
            {
                scores[interest, message] = row[message];
            }
        }

        // Any shared word triggers an alert: the loosest threshold a lexical filter can have.
        var thresholds = Enumerable.Repeat(float.Epsilon, interests.Count).ToList();
        var result = EvaluationReport.Evaluate(
            "BM25", interests.Select(i => i.Id).ToList(), messages.Select(m => m.Id).ToList(), scores, labels, thresholds);
        output.WriteLine(EvaluationReport.FormatComparison([result]));
        output.WriteLine(EvaluationReport.FormatCalibration(result));

        // Random ranking would give a MAP near the share of relevant messages (about 2% in eval, 1.4% in wordnet); eval is
        // built so that paraphrases and word traps keep a bag-of-words method well short of perfect, and in wordnet
        // few relevant messages share a word with the interest at all.
        Assert.InRange(result.MeanAveragePrecision, minimumMap, 0.9);
    }

    private static void AssertUnique(IEnumerable<string> ids)
    {
        var duplicates = ids.GroupBy(id => id).Where(group => group.Count() > 1).Select(group => group.Key);
        Assert.Empty(duplicates);
    }
}
