namespace StreamAttention.Evaluation;

/// <summary>
/// Okapi BM25 over a fixed document collection: the lexical baseline the embedding scorers are compared against.
/// Terms come from the caller's tokenizer, so case folding and splitting match whatever the scorers use.
/// </summary>
/// <remarks>
/// IDF is the Lucene form ln(1 + (N - n + 0.5) / (n + 0.5)); unlike the original Robertson-Sparck Jones form it never
/// goes negative, so a term in more than half the documents still adds a little instead of penalising a match.
/// Each distinct query term counts once: repeating a word in an interest should not multiply its weight.
/// </remarks>
public sealed class Bm25Index
{
    private readonly Func<string, IReadOnlyList<string>> _tokenizer;
    private readonly Dictionary<string, Posting[]> _postings;
    private readonly float[] _lengthNorm;

    public Bm25Index(IReadOnlyList<string> documents, Func<string, IReadOnlyList<string>> tokenizer, double k1 = 1.2, double b = 0.75)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfNegative(k1);
        if (b is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(b), b, "b must be between 0 and 1.");
        }

        _tokenizer = tokenizer;
        K1 = k1;
        B = b;
        DocumentCount = documents.Count;

        var lengths = new int[documents.Count];
        var building = new Dictionary<string, List<Posting>>(StringComparer.Ordinal);
        var termFrequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var doc = 0; doc < documents.Count; doc++)
        {
            termFrequencies.Clear();
            var terms = tokenizer(documents[doc]);
            lengths[doc] = terms.Count;
            foreach (var term in terms)
            {
                termFrequencies[term] = termFrequencies.GetValueOrDefault(term) + 1;
            }

            foreach (var (term, frequency) in termFrequencies)
            {
                if (!building.TryGetValue(term, out var list))
                {
                    building[term] = list = [];
                }

                list.Add(new Posting(doc, frequency));
            }
        }

        _postings = building.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
        AverageDocumentLength = DocumentCount == 0 ? 0 : lengths.Average();

        // The length part of the BM25 denominator depends only on the document, so it is computed once here.
        _lengthNorm = new float[DocumentCount];
        for (var doc = 0; doc < DocumentCount; doc++)
        {
            var relativeLength = AverageDocumentLength == 0 ? 0 : lengths[doc] / AverageDocumentLength;
            _lengthNorm[doc] = (float)(k1 * (1 - b + b * relativeLength));
        }
    }

    public double K1 { get; }

    public double B { get; }

    public int DocumentCount { get; }

    /// <summary>Mean number of tokens per document.</summary>
    public double AverageDocumentLength { get; }

    /// <summary>Number of documents containing <paramref name="term"/> (already tokenized, compared ordinally).</summary>
    public int DocumentFrequency(string term) => _postings.TryGetValue(term, out var postings) ? postings.Length : 0;

    /// <summary>ln(1 + (N - n + 0.5) / (n + 0.5)) for a term in n of N documents.</summary>
    public double Idf(string term)
    {
        var n = DocumentFrequency(term);
        return Math.Log(1 + (DocumentCount - n + 0.5) / (n + 0.5));
    }

    /// <summary>The BM25 score of <paramref name="query"/> against every document, indexed like the constructor's documents.</summary>
    public float[] Score(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scores = new float[DocumentCount];
        // Walking only the postings of the query's terms keeps a query's cost proportional to the documents it touches.
        foreach (var term in _tokenizer(query).Distinct(StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(term, out var postings))
            {
                continue;
            }

            var idf = Idf(term);
            foreach (var (doc, frequency) in postings)
            {
                scores[doc] += (float)(idf * frequency * (K1 + 1) / (frequency + _lengthNorm[doc]));
            }
        }

        return scores;
    }

    private readonly record struct Posting(int Document, int Frequency);
}
