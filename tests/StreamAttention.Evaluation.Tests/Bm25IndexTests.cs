namespace StreamAttention.Evaluation.Tests;

public sealed class Bm25IndexTests
{
    // N = 4, lengths 3, 2, 3, 2, so avgdl = 2.5.
    private static readonly string[] Documents = ["kafka broker down", "broker restarted", "database down down", "all quiet"];

    [Fact]
    public void Idf_uses_the_non_negative_lucene_form()
    {
        var index = new Bm25Index(Documents, TestText.Words);

        // ln(1 + (4 - 1 + 0.5) / (1 + 0.5)) = ln(10/3)
        Assert.Equal(1.2039728, index.Idf("kafka"), 6);
        // ln(1 + (4 - 2 + 0.5) / (2 + 0.5)) = ln 2
        Assert.Equal(Math.Log(2), index.Idf("broker"), 6);
        // Unseen: ln(1 + 4.5 / 0.5) = ln 10, the largest possible value.
        Assert.Equal(Math.Log(10), index.Idf("unseen"), 6);
    }

    [Fact]
    public void Idf_stays_positive_for_a_term_in_every_document()
    {
        var index = new Bm25Index(["the cat", "the dog", "the end"], TestText.Words);

        // ln(1 + 0.5 / 3.5) = ln(8/7); the classic Robertson-Sparck Jones idf would be ln(0.5 / 3.5) < 0.
        Assert.Equal(Math.Log(8.0 / 7), index.Idf("the"), 6);
    }

    [Fact]
    public void Scores_match_a_hand_computed_example()
    {
        var index = new Bm25Index(Documents, TestText.Words);

        var scores = index.Score("kafka down");

        // Per term: idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl)), k1 = 1.2, b = 0.75.
        // d0 (len 3, norm 1.2 * (0.25 + 0.75 * 1.2) = 1.38): ln(10/3) * 2.2 / 2.38 + ln 2 * 2.2 / 2.38 = 1.753640
        // d2 (len 3, "down" twice): ln 2 * 2 * 2.2 / (2 + 1.38) = 0.902322
        Assert.Equal(4, scores.Length);
        Assert.Equal(1.753640, scores[0], 5);
        Assert.Equal(0f, scores[1]);
        Assert.Equal(0.902322, scores[2], 5);
        Assert.Equal(0f, scores[3]);
        Assert.Equal(2.5, index.AverageDocumentLength);
    }

    [Fact]
    public void Shorter_documents_score_higher_for_the_same_term_frequency()
    {
        var index = new Bm25Index(Documents, TestText.Words);

        var scores = index.Score("broker");

        // d1 (len 2, norm 1.2 * (0.25 + 0.75 * 0.8) = 1.02): ln 2 * 2.2 / 2.02 = 0.754913, above d0's 0.640725.
        Assert.Equal(0.754913, scores[1], 5);
        Assert.Equal(0.640725, scores[0], 5);
    }

    [Fact]
    public void Without_length_normalisation_document_length_does_not_matter()
    {
        var index = new Bm25Index(Documents, TestText.Words, k1: 1.2, b: 0);

        var scores = index.Score("broker");

        Assert.Equal(scores[0], scores[1]);
    }

    [Fact]
    public void Repeated_query_words_count_once()
    {
        var index = new Bm25Index(Documents, TestText.Words);

        Assert.Equal(index.Score("kafka down"), index.Score("Kafka kafka DOWN down"));
    }

    [Fact]
    public void A_query_without_known_words_scores_zero_everywhere()
    {
        var index = new Bm25Index(Documents, TestText.Words);

        Assert.All(index.Score("zebra"), score => Assert.Equal(0f, score));
        Assert.Empty(new Bm25Index([], TestText.Words).Score("kafka"));
    }

    [Fact]
    public void Rejects_a_length_weight_outside_zero_to_one()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Bm25Index(Documents, TestText.Words, b: 1.5));
    }
}
