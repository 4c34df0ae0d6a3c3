using StreamAttention.Embeddings.StaticVectors;

namespace StreamAttention.Scoring.Tests.Workload;

/// <summary>
/// The scale benchmark's interests (docs/benchmarks.md, "Scale: what matches a message"): <c>--phrases topic</c> cuts
/// what a user writes as a topic, not the fragments <c>random</c> cuts.
/// </summary>
public sealed class BenchmarkPhrasesTests
{
    [Fact]
    public void A_topic_phrase_starts_and_ends_with_a_content_word_within_one_clause()
    {
        var words = "court-martial: a military court to try members of the armed services; \"he was tried\"".Split(' ');

        var phrases = BenchmarkCorpus.TopicPhrases(words);

        // Not "court to" or "of the armed" (a stop word at an end), not "court-martial: a" or "services; \"he" (across
        // a clause); the ";" that ends "services;" is dropped.
        Assert.Equal(["military court", "military court to try", "court to try", "court to try members", "try members", "members of the armed", "armed services"], phrases);
    }

    [Fact]
    public void Topic_phrases_hold_two_content_words_where_random_ones_are_often_fragments()
    {
        var topics = BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint, BenchmarkPhrases.Topic).Phrases(2_000, seed: 42);
        var fragments = BenchmarkCorpus.Load(BenchmarkWorkload.Disjoint, BenchmarkPhrases.Random).Phrases(2_000, seed: 42);

        Assert.All(topics, p => Assert.True(ContentWords(p) >= 2, p));
        Assert.Contains(fragments, p => ContentWords(p) < 2);
    }

    private static int ContentWords(string phrase)
        => phrase.Split(' ').Count(w => w.Any(char.IsLetter) && !WordTokenizer.English.IsStopWord(w.Trim('.', ',', ';', ':', '"', '(', ')').ToLowerInvariant()));
}
