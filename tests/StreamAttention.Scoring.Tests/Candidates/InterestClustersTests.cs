using System.Numerics.Tensors;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.Tests.Graphs;

namespace StreamAttention.Scoring.Tests.Candidates;

public sealed class InterestClustersTests
{
    [Fact]
    public void Every_interest_is_in_one_cluster_and_the_bound_is_never_below_a_members_cosine()
    {
        const int count = 2000, dimension = 16;
        var random = new Random(3);
        // Points around a few directions, as interests of a few topics, plus some zero vectors (no known word).
        var topics = TestData.UnitRows(random, 6, dimension);
        var vectors = TestData.UnitRows(random, count, dimension);
        for (var i = 0; i < count; i++)
        {
            var row = vectors.AsSpan(i * dimension, dimension);
            if (i % 97 == 0)
            {
                row.Clear();
                continue;
            }
            TensorPrimitives.MultiplyAdd(topics.AsSpan(i % 6 * dimension, dimension), 3f, row, row);
            TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
        }
        var messages = TestData.UnitRows(random, 40, dimension).Concat(new float[dimension]).ToArray();

        var clusters = InterestClusters.Build(vectors, count, dimension, 45);

        Assert.Equal(Enumerable.Range(0, count), clusters.Members.Order());
        var pruned = 0;
        for (var m = 0; m < messages.Length / dimension; m++)
        {
            var message = messages.AsSpan(m * dimension, dimension);
            for (var k = 0; k < clusters.Count; k++)
            {
                var bound = clusters.Bound(k, TensorPrimitives.Dot(message, clusters.Centroids.AsSpan(k * dimension, dimension)));
                var best = float.NegativeInfinity;
                foreach (var i in clusters.MembersOf(k))
                {
                    best = Math.Max(best, TensorPrimitives.Dot(message, vectors.AsSpan(i * dimension, dimension)));
                }
                Assert.True(best <= bound, $"cluster {k}: member cosine {best} above bound {bound}");
                pruned += bound < 0.25f ? 1 : 0;
            }
        }
        Assert.True(pruned > 0, "some clusters should fall below a floor of 0.25");
    }
}
