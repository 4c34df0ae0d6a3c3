using StreamAttention.Embeddings.Distilled;

namespace StreamAttention.Embeddings.Tests;

public sealed class PrincipalComponentsTests
{
    [Fact]
    public void Jacobi_finds_the_eigenpairs_of_a_symmetric_matrix()
    {
        double[,] matrix = { { 4, 1, 2 }, { 1, 3, 0 }, { 2, 0, 5 } };

        var (values, vectors) = PrincipalComponents.SymmetricEigen(matrix);

        for (var i = 0; i < 3; i++)
        {
            for (var row = 0; row < 3; row++)
            {
                var product = 0.0;
                for (var j = 0; j < 3; j++)
                {
                    product += matrix[row, j] * vectors[i][j];
                }
                Assert.Equal(values[i] * vectors[i][row], product, 9);
            }
        }
        Assert.Equal(12, values.Sum(), 9);
    }

    [Fact]
    public void A_fit_asked_to_stop_stops()
    {
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        // The distillation's fit ran to its end (seconds on a token table) however early the stop came.
        Assert.Throws<OperationCanceledException>(() => PrincipalComponents.Fit(new float[4 * 3], 3, 2, stopped.Token));
    }

    [Fact]
    public void Keeps_the_direction_of_largest_variance_first_and_centres_the_rows()
    {
        var random = new Random(7);
        var rows = new float[500 * 3];
        for (var r = 0; r < 500; r++)
        {
            var along = (float)(random.NextDouble() * 10 - 5);
            rows[r * 3] = 1 + along;
            rows[r * 3 + 1] = 2 + along + (float)(random.NextDouble() * 0.1);
            rows[r * 3 + 2] = 3 + (float)(random.NextDouble() * 0.1);
        }

        var pca = PrincipalComponents.Fit(rows, 3, 2);

        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(pca.Components[0, 0]), 2);
        Assert.Equal(1 / Math.Sqrt(2), Math.Abs(pca.Components[0, 1]), 2);
        Assert.True(pca.Variances[0] > 100 * pca.Variances[1]);
        Span<float> projected = stackalloc float[2];
        pca.Project(pca.Mean.Select(x => (float)x).ToArray(), projected);
        Assert.Equal(0, projected[0], 4);
        Assert.Equal(0, projected[1], 4);
    }
}
