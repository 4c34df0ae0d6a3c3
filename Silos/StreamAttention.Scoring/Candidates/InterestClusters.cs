using System.Numerics.Tensors;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// Interests grouped by pooled vector (spherical k-means), with each cluster's unit centroid c and angular radius r
/// (the largest angle between c and a member). For a unit message vector m at angle α from c, every member x has
/// angle(m, x) ≥ α − r (triangle inequality on the sphere), so cos(m, x) ≤ cos(max(0, α − r)): a cluster whose bound is
/// below the smallest floor of its members holds no candidate. Interests without a pooled vector (no known word, p = 0
/// for every message) form a cluster of their own with bound 0.
/// </summary>
public sealed class InterestClusters
{
    private const int Iterations = 6;
    private const int TrainingPointsPerCluster = 64;

    private InterestClusters(float[] centroids, int count, int[] offsets, int[] members, double[] radii, bool[] zero)
    {
        Centroids = centroids;
        Count = count;
        Offsets = offsets;
        Members = members;
        Radii = radii;
        IsZero = zero;
    }

    /// <summary>[Count, Dimension] unit centroids (zero for the cluster of zero vectors).</summary>
    public float[] Centroids { get; }

    public int Count { get; }

    /// <summary>[Count + 1]: cluster k's interests are Members[Offsets[k] .. Offsets[k + 1]).</summary>
    public int[] Offsets { get; }

    public int[] Members { get; }

    /// <summary>Angular radius per cluster, in radians.</summary>
    public double[] Radii { get; }

    public bool[] IsZero { get; }

    public ReadOnlySpan<int> MembersOf(int cluster) => Members.AsSpan(Offsets[cluster], Offsets[cluster + 1] - Offsets[cluster]);

    /// <summary>Upper bound on cos(message, member) for any member, from cos(message, centroid); slightly loose to cover float rounding.</summary>
    public float Bound(int cluster, float centroidCosine)
    {
        if (IsZero[cluster])
        {
            return 1e-4f;
        }
        var angle = Math.Acos(Math.Clamp(centroidCosine, -1.0, 1.0));
        return (float)(angle <= Radii[cluster] ? 1.0 : Math.Cos(angle - Radii[cluster]) + 1e-4);
    }

    /// <summary>Clusters <paramref name="vectors"/> ([count, dimension], unit or zero rows) into about <paramref name="clusters"/> groups; deterministic.</summary>
    public static InterestClusters Build(ReadOnlyMemory<float> vectors, int count, int dimension, int clusters)
    {
        var nonZero = Enumerable.Range(0, count).Where(i => TensorPrimitives.SumOfSquares(vectors.Span.Slice(i * dimension, dimension)) > 0).ToArray();
        var k = Math.Clamp(clusters, 1, Math.Max(1, nonZero.Length));
        var random = new Random(17);
        var centroids = new float[k * dimension];
        var seeds = nonZero.Length == 0 ? [] : nonZero.OrderBy(_ => random.Next()).Take(k).ToArray();
        for (var c = 0; c < seeds.Length; c++)
        {
            vectors.Span.Slice(seeds[c] * dimension, dimension).CopyTo(centroids.AsSpan(c * dimension));
        }
        // Centroids are fitted on a sample (enough points per cluster), then every interest is assigned once.
        var training = nonZero.Length <= k * TrainingPointsPerCluster ? nonZero : nonZero.OrderBy(_ => random.Next()).Take(k * TrainingPointsPerCluster).ToArray();
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var assigned = Assign(vectors, training, centroids, k, dimension);
            var sums = new float[k * dimension];
            for (var p = 0; p < training.Length; p++)
            {
                var sum = sums.AsSpan(assigned[p] * dimension, dimension);
                TensorPrimitives.Add(sum, vectors.Span.Slice(training[p] * dimension, dimension), sum);
            }
            for (var c = 0; c < k; c++)
            {
                var sum = sums.AsSpan(c * dimension, dimension);
                var norm = TensorPrimitives.Norm(sum);
                if (norm > 0)
                {
                    // An emptied cluster keeps its centroid; it may regain members in the final assignment.
                    TensorPrimitives.Divide(sum, norm, centroids.AsSpan(c * dimension, dimension));
                }
            }
        }
        var assignment = Assign(vectors, nonZero, centroids, k, dimension);
        var groups = Enumerable.Range(0, k).Select(_ => new List<int>()).ToList();
        for (var p = 0; p < nonZero.Length; p++)
        {
            groups[assignment[p]].Add(nonZero[p]);
        }
        var kept = Enumerable.Range(0, k).Where(c => groups[c].Count > 0).ToList();
        var zeroMembers = Enumerable.Range(0, count).Except(nonZero).ToList();
        var total = kept.Count + (zeroMembers.Count > 0 ? 1 : 0);
        var finalCentroids = new float[total * dimension];
        var offsets = new int[total + 1];
        var members = new int[count];
        var radii = new double[total];
        var zero = new bool[total];
        var next = 0;
        for (var c = 0; c < kept.Count; c++)
        {
            offsets[c] = next;
            var centroid = centroids.AsSpan(kept[c] * dimension, dimension);
            centroid.CopyTo(finalCentroids.AsSpan(c * dimension));
            double radius = 0;
            foreach (var i in groups[kept[c]])
            {
                members[next++] = i;
                var cosine = Math.Clamp((double)TensorPrimitives.Dot(centroid, vectors.Span.Slice(i * dimension, dimension)), -1.0, 1.0);
                radius = Math.Max(radius, Math.Acos(cosine));
            }
            // Margin for the float dot products above.
            radii[c] = Math.Min(Math.PI, radius + 1e-3);
        }
        if (zeroMembers.Count > 0)
        {
            offsets[total - 1] = next;
            zero[total - 1] = true;
            foreach (var i in zeroMembers)
            {
                members[next++] = i;
            }
        }
        offsets[total] = next;
        return new InterestClusters(finalCentroids, total, offsets, members, radii, zero);
    }

    /// <summary>The nearest centroid (largest cosine) of each point, in parallel.</summary>
    private static int[] Assign(ReadOnlyMemory<float> vectors, int[] points, float[] centroids, int k, int dimension)
    {
        var assigned = new int[points.Length];
        Parallel.For(0, points.Length, p =>
        {
            var vector = vectors.Span.Slice(points[p] * dimension, dimension);
            var best = 0;
            var bestCosine = float.NegativeInfinity;
            for (var c = 0; c < k; c++)
            {
                var cosine = TensorPrimitives.Dot(vector, centroids.AsSpan(c * dimension, dimension));
                if (cosine > bestCosine)
                {
                    (best, bestCosine) = (c, cosine);
                }
            }
            assigned[p] = best;
        });
        return assigned;
    }
}
