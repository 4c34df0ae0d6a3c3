using System.Buffers;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// For each of a group of unit keys, the unit candidate words of highest positive cosine, best first: one ONNX Runtime
/// matrix product of the keys with every candidate (the candidates are the graph's constant, packed once when the
/// session is made), then one pass per key over its scores in candidate order. Equal scores keep candidate order; the
/// product sums each dot product in its own order, so two candidates within a float rounding of each other may rank
/// otherwise than a dot product per pair would. Thread-safe.
/// </summary>
public sealed class NearestWords : IDisposable
{
    private const string Keys = "keys";         // [n, d]
    private const string Candidates = "words";  // [V, d], constant
    private const string Scores = "scores";     // [n, V]

    /// <summary>The longest scores buffer kept for reuse (floats); a longer one is allocated for its call only.</summary>
    private const int MaxPooledScores = 1 << 26;

    private readonly string[] _words;
    private readonly int _dimension;

    /// <summary>
    /// The scores' buffers (the candidates' count of floats per key: ~6 MB for a group of 32), at most two kept: the
    /// shared pool keeps one per thread and several per core once many threads searched (an import's, a user grain's
    /// turns), and held ~8 MB each of them for the process's life (tens of MB after an import of 10,000 interests).
    /// </summary>
    private readonly ArrayPool<float> _scoreBuffers = ArrayPool<float>.Create(MaxPooledScores, maxArraysPerBucket: 2);
    private readonly InferenceSession? _session;

    /// <param name="vectors">[words.Length, dimension]: the candidates' unit vectors.</param>
    public NearestWords(ReadOnlySpan<float> vectors, string[] words, int dimension, OnnxSessionFactory sessions)
    {
        if (vectors.Length != words.Length * dimension)
        {
            throw new ArgumentException($"{vectors.Length} values are not {words.Length} vectors of {dimension}.", nameof(vectors));
        }
        _words = words;
        _dimension = dimension;
        // ONNX Runtime takes no tensor of zero candidates; without candidates nothing is ever found.
        _session = words.Length == 0 ? null : sessions.Create(Graph(vectors, words.Length, dimension), "interest expansion: nearest words");
    }

    /// <summary>
    /// For each key, up to <paramref name="count"/> candidates of positive cosine to it, best first, none of its own
    /// words (compared ignoring case).
    /// </summary>
    /// <param name="keys">[ownWords.Count, dimension]: unit vectors.</param>
    public (int Word, float Similarity)[][] Find(ReadOnlySpan<float> keys, IReadOnlyList<string[]> ownWords, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var n = ownWords.Count;
        if (keys.Length != n * _dimension)
        {
            throw new ArgumentException($"{keys.Length} values are not {n} keys of {_dimension}.", nameof(keys));
        }
        var found = new (int Word, float Similarity)[n][];
        if (count == 0 || n == 0 || _session is null)
        {
            Array.Fill(found, []);
            return found;
        }
        var keyValues = ArrayPool<float>.Shared.Rent(keys.Length);
        var scores = _scoreBuffers.Rent(n * _words.Length);
        try
        {
            keys.CopyTo(keyValues);
            using (var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, keyValues.AsMemory(0, keys.Length), [n, _dimension]))
            using (var output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, scores.AsMemory(0, n * _words.Length), [n, _words.Length]))
            using (var runOptions = new RunOptions())
            {
                _session.Run(runOptions, [Keys], [input], [Scores], [output]);
            }
            for (var k = 0; k < n; k++)
            {
                found[k] = Best(scores.AsSpan(k * _words.Length, _words.Length), new HashSet<string>(ownWords[k], StringComparer.OrdinalIgnoreCase), count);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(keyValues);
            _scoreBuffers.Return(scores);
        }
        return found;
    }

    public void Dispose() => _session?.Dispose();

    /// <summary>
    /// The <paramref name="count"/> best positive scores not of an own word, best first, ties in candidate order.
    /// Whole vectors of scores at or below the worst kept (at first 0) are passed over: after the first few hundred
    /// candidates almost all are.
    /// </summary>
    private (int Word, float Similarity)[] Best(ReadOnlySpan<float> scores, HashSet<string> own, int count)
    {
        var best = new List<(int Word, float Similarity)>(count + 1);
        var floor = 0f;
        var width = Vector<float>.Count;
        for (var start = 0; start < scores.Length; start += width)
        {
            if (start + width <= scores.Length && !Vector.GreaterThanAny(new Vector<float>(scores[start..]), new Vector<float>(floor)))
            {
                continue;
            }
            for (var w = start; w < Math.Min(start + width, scores.Length); w++)
            {
                var similarity = scores[w];
                if (similarity <= floor || own.Contains(_words[w]))
                {
                    continue;
                }
                var at = best.Count;
                while (at > 0 && best[at - 1].Similarity < similarity)
                {
                    at--;
                }
                best.Insert(at, (w, similarity));
                if (best.Count > count)
                {
                    best.RemoveAt(count);
                }
                if (best.Count == count)
                {
                    floor = best[^1].Similarity;
                }
            }
        }
        return best.ToArray();
    }

    /// <summary>scores = keys × wordsᵀ, the words a constant.</summary>
    private static byte[] Graph(ReadOnlySpan<float> vectors, int words, int dimension)
    {
        var graph = new OnnxGraphBuilder("nearest-words")
            .Input(Keys, DataType.Float, "n", dimension)
            .Output(Scores, DataType.Float, "n", words);
        graph.Constant(Candidates, vectors, words, dimension);
        graph.Node("Gemm", [Keys, Candidates], Scores, ("transB", 1));
        return graph.ToBytes();
    }
}
