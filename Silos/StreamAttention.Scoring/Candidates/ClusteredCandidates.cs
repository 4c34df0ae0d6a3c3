using System.Runtime.CompilerServices;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// Candidates through <see cref="InterestClusters"/>: one GEMM of the chunk's pooled vectors against the centroids, then
/// the prefilter GEMM only against the members of the clusters a message probes. With all clusters the bound keeps
/// (<paramref name="probes"/> = 0) no candidate is lost; with probes &gt; 0 only the clusters of best centroid cosine
/// are searched (approximate). Clusters are built once per index, on first use, with <paramref name="clusters"/> of
/// them (0 = √interests). <see cref="Bound"/> keeps every interest: the clusters prune only at the tightened floor.
/// </summary>
public sealed class ClusteredCandidates(PrefilterStage centroidPrefilter, PrefilterStage memberPrefilter, int clusters, int probes) : ICandidateGenerator
{
    private readonly ConditionalWeakTable<DistinctInterests, InterestClusters> _clusters = new();
    private readonly ReusableBuffer<float> _messageVectors = new();
    private readonly ReusableBuffer<float> _memberVectors = new();
    private readonly List<List<int>> _probing = [];
    private float[] _clusterFloor = [];
    private int[] _all = [];
    private (TokenBatch Messages, int Start, int Count, DistinctInterests Interests)? _chunk;

    /// <summary>The clusters of an index's distinct interests (built on first use).</summary>
    public InterestClusters ClustersOf(DistinctInterests interests)
        => _clusters.GetValue(interests, index => InterestClusters.Build(index.Queries, index.Count, index.Dimension,
            clusters > 0 ? clusters : (int)Math.Ceiling(Math.Sqrt(index.Count))));

    public IReadOnlyList<int> Bound(TokenBatch messages, int start, int count, DistinctInterests interests, float[] floor)
    {
        _chunk = (messages, start, count, interests);
        if (_all.Length != interests.Count)
        {
            _all = Enumerable.Range(0, interests.Count).ToArray();
        }
        return _all;
    }

    public void Generate(float[] floor, CandidateLists output)
    {
        var (messages, start, count, interests) = _chunk ?? throw new InvalidOperationException("Generate before Bound.");
        if (interests.Count == 0)
        {
            return;
        }
        var groups = ClustersOf(interests);
        var dimension = interests.Dimension;
        // The smallest floor of each cluster's members: one pass per chunk (tightened floors change chunk by chunk, in
        // the caller's one buffer).
        if (_clusterFloor.Length != groups.Count)
        {
            _clusterFloor = new float[groups.Count];
        }
        for (var k = 0; k < groups.Count; k++)
        {
            var lowest = float.PositiveInfinity;
            foreach (var i in groups.MembersOf(k))
            {
                lowest = Math.Min(lowest, floor[i]);
            }
            _clusterFloor[k] = lowest;
        }
        while (_probing.Count < groups.Count)
        {
            _probing.Add([]);
        }
        for (var k = 0; k < groups.Count; k++)
        {
            _probing[k].Clear();
        }

        var centroidCosines = centroidPrefilter.Run(messages.Pooled.AsMemory(start * dimension, count * dimension), count,
            groups.Centroids, groups.Count, dimension).Span;
        var eligible = new List<(int Cluster, float Cosine)>();
        for (var m = 0; m < count; m++)
        {
            eligible.Clear();
            var row = centroidCosines.Slice(m * groups.Count, groups.Count);
            for (var k = 0; k < groups.Count; k++)
            {
                if (groups.Bound(k, row[k]) >= _clusterFloor[k])
                {
                    eligible.Add((k, row[k]));
                }
            }
            if (probes > 0 && eligible.Count > probes)
            {
                eligible.Sort((a, b) => b.Cosine.CompareTo(a.Cosine));
                eligible.RemoveRange(probes, eligible.Count - probes);
            }
            foreach (var (k, _) in eligible)
            {
                _probing[k].Add(m);
            }
        }

        for (var k = 0; k < groups.Count; k++)
        {
            var probing = _probing[k];
            if (probing.Count == 0)
            {
                continue;
            }
            var members = groups.MembersOf(k);
            var messageVectors = _messageVectors.Rent(probing.Count * dimension);
            for (var p = 0; p < probing.Count; p++)
            {
                messages.PooledVector(start + probing[p]).CopyTo(messageVectors.Span.Slice(p * dimension, dimension));
            }
            var memberVectors = _memberVectors.Rent(members.Length * dimension);
            for (var j = 0; j < members.Length; j++)
            {
                interests.Queries.Span.Slice(members[j] * dimension, dimension).CopyTo(memberVectors.Span.Slice(j * dimension, dimension));
            }
            var similarity = memberPrefilter.Run(messageVectors, probing.Count, memberVectors, members.Length, dimension).Span;
            for (var p = 0; p < probing.Count; p++)
            {
                var row = similarity.Slice(p * members.Length, members.Length);
                for (var j = 0; j < members.Length; j++)
                {
                    if (row[j] >= floor[members[j]])
                    {
                        output.Add(probing[p], members[j], row[j]);
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        centroidPrefilter.Dispose();
        memberPrefilter.Dispose();
    }
}
