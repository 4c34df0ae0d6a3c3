namespace StreamAttention.Scoring.Tests.Graphs;

public sealed class PrefilterGraphTests
{
    [Theory]
    [InlineData(7, 13, 16)]
    [InlineData(1, 1, 100)]
    [InlineData(300, 57, 100)]
    public void Similarity_matches_double_precision_reference(int messages, int interests, int dimension)
    {
        var random = new Random(messages * 31 + interests);
        var messageVectors = TestData.UnitRows(random, messages, dimension);
        var interestVectors = TestData.UnitRows(random, interests, dimension);
        using var stage = new PrefilterStage(TestData.Sessions());

        var similarity = stage.Run(messageVectors, messages, interestVectors, interests, dimension).ToArray();

        Assert.Equal(messages * interests, similarity.Length);
        for (var m = 0; m < messages; m++)
        {
            for (var i = 0; i < interests; i++)
            {
                double expected = 0;
                for (var k = 0; k < dimension; k++)
                {
                    expected += (double)messageVectors[m * dimension + k] * interestVectors[i * dimension + k];
                }
                Assert.Equal(expected, similarity[m * interests + i], 1e-5);
            }
        }
    }

    [Fact]
    public void Reused_stage_gives_fresh_results_for_each_shape()
    {
        var random = new Random(5);
        using var stage = new PrefilterStage(TestData.Sessions());
        var big = stage.Run(TestData.UnitRows(random, 20, 8), 20, TestData.UnitRows(random, 9, 8), 9, 8).ToArray();
        var messages = TestData.UnitRows(random, 2, 8);
        var interests = TestData.UnitRows(random, 3, 8);

        var small = stage.Run(messages, 2, interests, 3, 8).ToArray();

        Assert.Equal(180, big.Length);
        Assert.Equal(6, small.Length);
        Assert.Equal(messages.AsSpan(8, 8).ToArray().Zip(interests.AsSpan(16, 8).ToArray(), (a, b) => (double)a * b).Sum(), small[5], 1e-5);
    }
}
