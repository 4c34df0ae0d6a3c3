using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.Options;
using StreamAttention.Scoring.SharedWords;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Candidates;

public sealed class ClusteredCandidatesTests
{
    [Fact]
    public void Generate_reads_the_floors_it_is_given_when_the_callers_one_buffer_holds_new_floors()
    {
        var words = new RandomWordTexts(40);
        var random = new Random(4);
        var embedder = new HashingTestEmbedder(maxTokens: 12);
        var interests = InterestIndex.Build(
            Enumerable.Range(0, 60).Select(i => new InterestDefinition($"i{i}", words.Next(random, 1, 6))).ToList(), embedder, new ScoringOptions());
        var distinct = DistinctInterests.Build(interests);
        var messages = embedder.Embed(Enumerable.Range(0, 5).Select(_ => words.Next(random, 2, 10)).ToList());
        using var generator = new ClusteredCandidates(new PrefilterStage(TestData.Sessions()), new PrefilterStage(TestData.Sessions()), clusters: 6, probes: 0);
        var floor = new float[distinct.Count];
        var candidates = new CandidateLists();

        // As the scorer's tightened floors: one array, new floors in it chunk after chunk. No interest is reachable first …
        Array.Fill(floor, float.PositiveInfinity);
        Generate(generator, messages, distinct, floor, candidates);
        Assert.Equal(0, candidates.Total);

        // … then every one is (cosines of unit vectors are at least −1).
        Array.Fill(floor, -2f);
        Generate(generator, messages, distinct, floor, candidates);
        for (var m = 0; m < messages.Count; m++)
        {
            Assert.Equal(Enumerable.Range(0, distinct.Count), candidates.Interests(m).ToArray().Order());
        }
    }

    private static void Generate(ClusteredCandidates generator, Embeddings.TokenBatch messages, DistinctInterests distinct, float[] floor, CandidateLists candidates)
    {
        generator.Bound(messages, 0, messages.Count, distinct, floor);
        candidates.Reset(0, messages.Count);
        generator.Generate(floor, candidates);
    }
}
