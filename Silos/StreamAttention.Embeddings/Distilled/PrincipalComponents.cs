namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Principal component analysis of row vectors: the mean and the leading eigenvectors of the covariance matrix,
/// found by the cyclic Jacobi eigenvalue method. The covariance is small (d × d, d = 384 for MiniLM), where Jacobi is
/// exact, simple and fast enough (a few hundred milliseconds), so no linear-algebra package is needed.
/// </summary>
public sealed class PrincipalComponents
{
    private PrincipalComponents(double[] mean, double[,] components, double[] variances)
    {
        Mean = mean;
        Components = components;
        Variances = variances;
    }

    /// <summary>The mean row, subtracted before projecting.</summary>
    public double[] Mean { get; }

    /// <summary>[k, d]: the unit eigenvectors, largest variance first.</summary>
    public double[,] Components { get; }

    /// <summary>The variance along each component, descending.</summary>
    public double[] Variances { get; }

    /// <param name="rows">[n, d] row-major.</param>
    /// <param name="cancellationToken">Observed between rows of the covariance, which takes seconds on a token table.</param>
    public static PrincipalComponents Fit(ReadOnlySpan<float> rows, int dimension, int components, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, dimension);
        var count = rows.Length / dimension;
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2, nameof(rows));
        var mean = new double[dimension];
        for (var r = 0; r < count; r++)
        {
            for (var j = 0; j < dimension; j++)
            {
                mean[j] += rows[r * dimension + j];
            }
        }
        for (var j = 0; j < dimension; j++)
        {
            mean[j] /= count;
        }
        var covariance = new double[dimension, dimension];
        var centred = new double[dimension];
        for (var r = 0; r < count; r++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var j = 0; j < dimension; j++)
            {
                centred[j] = rows[r * dimension + j] - mean[j];
            }
            for (var a = 0; a < dimension; a++)
            {
                var x = centred[a];
                for (var b = a; b < dimension; b++)
                {
                    covariance[a, b] += x * centred[b];
                }
            }
        }
        for (var a = 0; a < dimension; a++)
        {
            for (var b = a; b < dimension; b++)
            {
                covariance[a, b] /= count - 1;
                covariance[b, a] = covariance[a, b];
            }
        }
        var (values, vectors) = SymmetricEigen(covariance);
        var order = Enumerable.Range(0, dimension).OrderByDescending(i => values[i]).Take(components).ToArray();
        var result = new double[components, dimension];
        for (var c = 0; c < components; c++)
        {
            for (var j = 0; j < dimension; j++)
            {
                result[c, j] = vectors[order[c]][j];
            }
        }
        return new PrincipalComponents(mean, result, order.Select(i => values[i]).ToArray());
    }

    /// <summary>Writes the coordinates of <paramref name="row"/> (centred) along each component.</summary>
    public void Project(ReadOnlySpan<float> row, Span<float> destination)
    {
        var components = Components.GetLength(0);
        for (var c = 0; c < components; c++)
        {
            var sum = 0.0;
            for (var j = 0; j < Mean.Length; j++)
            {
                sum += (row[j] - Mean[j]) * Components[c, j];
            }
            destination[c] = (float)sum;
        }
    }

    /// <summary>
    /// Eigenvalues and eigenvectors (rows of the second result) of a symmetric matrix by cyclic Jacobi rotations, until
    /// the off-diagonal mass is negligible against the diagonal. A rotation in the plane (p, q) changes only rows and
    /// columns p and q; the matrix stays symmetric, so rows p and q are computed and mirrored into the columns.
    /// </summary>
    public static (double[] Values, double[][] Vectors) SymmetricEigen(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var a = new double[n][];
        var v = new double[n][];
        for (var i = 0; i < n; i++)
        {
            a[i] = new double[n];
            v[i] = new double[n];
            v[i][i] = 1;
            for (var j = 0; j < n; j++)
            {
                a[i][j] = matrix[i, j];
            }
        }
        for (var sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diagonal = 0;
            for (var p = 0; p < n; p++)
            {
                diagonal += a[p][p] * a[p][p];
                for (var q = p + 1; q < n; q++)
                {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off <= 1e-24 * diagonal)
            {
                break;
            }
            for (var p = 0; p < n - 1; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[p][q];
                    if (Math.Abs(apq) <= 1e-300)
                    {
                        continue;
                    }
                    var theta = (a[q][q] - a[p][p]) / (2 * apq);
                    var t = theta == 0 ? 1 : Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    double[] rowP = a[p], rowQ = a[q];
                    for (var k = 0; k < n; k++)
                    {
                        if (k == p || k == q)
                        {
                            continue;
                        }
                        var akp = rowP[k];
                        var akq = rowQ[k];
                        rowP[k] = a[k][p] = c * akp - s * akq;
                        rowQ[k] = a[k][q] = s * akp + c * akq;
                    }
                    rowP[p] -= t * apq;
                    rowQ[q] += t * apq;
                    rowP[q] = rowQ[p] = 0;
                    double[] vectorP = v[p], vectorQ = v[q];
                    for (var k = 0; k < n; k++)
                    {
                        var vp = vectorP[k];
                        var vq = vectorQ[k];
                        vectorP[k] = c * vp - s * vq;
                        vectorQ[k] = s * vp + c * vq;
                    }
                }
            }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = a[i][i];
        }
        return (values, v);
    }
}
