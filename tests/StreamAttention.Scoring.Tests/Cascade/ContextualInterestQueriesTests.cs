using StreamAttention.Embeddings;
using StreamAttention.Scoring.Cascade;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Cascade;

public sealed class ContextualInterestQueriesTests
{
    /// <summary>
    /// Interests are embedded as queries: a retrieval model brought with a query prefix (e.g. arctic-embed's) gets it on
    /// the interests it rescores against, as the fast tier's interests do, and messages get the document prefix.
    /// </summary>
    [Fact]
    public void Interest_texts_are_embedded_as_queries_not_as_messages()
    {
        using var embedder = new QueriesOnlyEmbedder(new HashingTestEmbedder());
        var options = new ScoringOptions();
        var queries = new ContextualInterestQueries(embedder, options, capacity: 4,
            new ContextualInterestStore(embedder.Dimension, options.MaxQueriesPerInterest, capacity: 4));

        var (_, found) = queries.Get(["disk full on db-1"]);

        Assert.Single(found);
        Assert.Equal(1, embedder.Queries);
    }

    /// <summary>Embeds texts as queries only: a message's embedding is not what an interest should get.</summary>
    private sealed class QueriesOnlyEmbedder(ITextEmbedder model) : ITextEmbedder
    {
        public int Queries { get; private set; }

        public string Name => model.Name;

        public int Dimension => model.Dimension;

        public int MaxTokens => model.MaxTokens;

        public TokenBatch Embed(IReadOnlyList<string> texts) => throw new InvalidOperationException("Interests are embedded as queries.");

        public TokenBatch EmbedQueries(IReadOnlyList<string> texts)
        {
            Queries += texts.Count;
            return model.Embed(texts);
        }

        public void Dispose() => model.Dispose();
    }
}
