using Onnx;
using StreamAttention.Onnx;

namespace StreamAttention.Testing;

/// <summary>
/// A one-layer, single-head BERT-shaped network with seeded random weights, as an ONNX model built in code and as
/// a double-precision C# reference of the same computation.
/// </summary>
public sealed class TransformerTestModel
{
    public const int Hidden = 8;
    private const int Positions = 32;
    private const float Epsilon = 1e-5f;
    private const TensorProto.Types.DataType Int64 = TensorProto.Types.DataType.Int64;
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;

    public static readonly string[] Vocabulary =
    [
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat",
        "embed", "##ding", "##s", "kube", "##rnetes", "logs", ",", ".", "error", "disk",
    ];

    private readonly float[] _tokenEmbedding;
    private readonly float[] _positionEmbedding;
    private readonly float[] _typeEmbedding;
    private readonly float[] _gamma1, _beta1, _gamma2, _beta2;
    private readonly float[] _query, _key, _value, _attentionOutput;

    public TransformerTestModel(int seed)
    {
        var random = new Random(seed);
        float[] Random(int count, float center, float spread) =>
            [.. Enumerable.Range(0, count).Select(_ => center + spread * (float)(random.NextDouble() * 2 - 1))];
        _tokenEmbedding = Random(Vocabulary.Length * Hidden, 0, 1);
        _positionEmbedding = Random(Positions * Hidden, 0, 0.5f);
        _typeEmbedding = Random(2 * Hidden, 0, 0.5f);
        _gamma1 = Random(Hidden, 1, 0.2f);
        _beta1 = Random(Hidden, 0, 0.2f);
        _gamma2 = Random(Hidden, 1, 0.2f);
        _beta2 = Random(Hidden, 0, 0.2f);
        _query = Random(Hidden * Hidden, 0, 0.7f);
        _key = Random(Hidden * Hidden, 0, 0.7f);
        _value = Random(Hidden * Hidden, 0, 0.7f);
        _attentionOutput = Random(Hidden * Hidden, 0, 0.7f);
    }

    /// <summary>Writes model.onnx and vocab.txt into <paramref name="directory"/>; returns (model path, vocab path).</summary>
    public (string ModelPath, string VocabPath) WriteTo(string directory, bool withTokenTypes = true, bool symbolicHidden = false)
    {
        var modelPath = Path.Combine(directory, withTokenTypes ? "tiny-bert.onnx" : "tiny-bert-no-types.onnx");
        var vocabPath = Path.Combine(directory, "vocab.txt");
        File.WriteAllBytes(modelPath, ToOnnx(withTokenTypes, symbolicHidden));
        File.WriteAllLines(vocabPath, Vocabulary);
        return (modelPath, vocabPath);
    }

    private byte[] ToOnnx(bool withTokenTypes, bool symbolicHidden)
    {
        var g = new OnnxGraphBuilder("tiny-bert");
        g.Input("input_ids", Int64, "batch", "sequence");
        g.Input("attention_mask", Int64, "batch", "sequence");
        if (withTokenTypes)
        {
            g.Input("token_type_ids", Int64, "batch", "sequence");
        }
        g.Output("last_hidden_state", Float, "batch", "sequence", symbolicHidden ? "hidden" : Hidden);

        var embedded = g.Node("Gather", [g.Constant("token_embedding", _tokenEmbedding, Vocabulary.Length, Hidden), "input_ids"]);
        var sequenceLength = g.Node("Squeeze", [g.Node("Shape", ["input_ids"], output: null, ("start", 1L), ("end", 2L)), g.Constant("axis_0", [0L], 1)]);
        var positions = g.Node("Range", [g.Constant("zero", [0L]), sequenceLength, g.Constant("one", [1L])]);
        embedded = g.Node("Add", [embedded, g.Node("Gather", [g.Constant("position_embedding", _positionEmbedding, Positions, Hidden), positions])]);
        if (withTokenTypes)
        {
            embedded = g.Node("Add", [embedded, g.Node("Gather", [g.Constant("type_embedding", _typeEmbedding, 2, Hidden), "token_type_ids"])]);
        }
        var x = LayerNorm(g, embedded, "ln1", _gamma1, _beta1, output: null);

        string Project(string input, string name, float[] weights) => g.Node("MatMul", [input, g.Constant(name, weights, Hidden, Hidden)]);
        var keysTransposed = g.Node("Transpose", [Project(x, "w_key", _key)], output: null, ("perm", new long[] { 0, 2, 1 }));
        var scores = g.Node("Mul", [g.Node("MatMul", [Project(x, "w_query", _query), keysTransposed]), g.Scalar("scale", 1 / MathF.Sqrt(Hidden))]);
        // Padding keys get a large negative bias: (1 - mask) * -10000, broadcast over the query axis.
        var mask = g.Node("Cast", ["attention_mask"], output: null, ("to", (int)Float));
        var maskBias = g.Node("Mul", [g.Node("Sub", [g.Scalar("one_f", 1), mask]), g.Scalar("mask_bias", -10000)]);
        maskBias = g.Node("Unsqueeze", [maskBias, g.Constant("axis_1", [1L], 1)]);
        var probabilities = g.Node("Softmax", [g.Node("Add", [scores, maskBias])], output: null, ("axis", -1L));
        var context = g.Node("MatMul", [probabilities, Project(x, "w_value", _value)]);
        var residual = g.Node("Add", [x, Project(context, "w_attention_output", _attentionOutput)]);
        LayerNorm(g, residual, "ln2", _gamma2, _beta2, output: "last_hidden_state");
        return g.ToBytes();
    }

    private static string LayerNorm(OnnxGraphBuilder g, string input, string name, float[] gamma, float[] beta, string? output) =>
        g.Node("LayerNormalization", [input, g.Constant($"{name}_gamma", gamma, Hidden), g.Constant($"{name}_beta", beta, Hidden)], output,
            ("axis", -1L), ("epsilon", Epsilon));

    /// <summary>last_hidden_state [ids.Length, Hidden] for one unpadded sequence with token type 0.</summary>
    public double[][] Reference(long[] ids, bool withTokenTypes)
    {
        var n = ids.Length;
        var x = new double[n][];
        for (var t = 0; t < n; t++)
        {
            x[t] = new double[Hidden];
            for (var j = 0; j < Hidden; j++)
            {
                x[t][j] = _tokenEmbedding[ids[t] * Hidden + j] + (double)_positionEmbedding[t * Hidden + j] + (withTokenTypes ? _typeEmbedding[j] : 0);
            }
            x[t] = LayerNorm(x[t], _gamma1, _beta1);
        }
        var q = x.Select(row => Multiply(row, _query)).ToArray();
        var k = x.Select(row => Multiply(row, _key)).ToArray();
        var v = x.Select(row => Multiply(row, _value)).ToArray();
        var output = new double[n][];
        for (var t = 0; t < n; t++)
        {
            var scores = k.Select(key => Dot(q[t], key) / Math.Sqrt(Hidden)).ToArray();
            var max = scores.Max();
            var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
            var total = weights.Sum();
            var context = new double[Hidden];
            for (var u = 0; u < n; u++)
            {
                for (var j = 0; j < Hidden; j++)
                {
                    context[j] += weights[u] / total * v[u][j];
                }
            }
            var attended = Multiply(context, _attentionOutput);
            output[t] = LayerNorm([.. x[t].Zip(attended, (a, b) => a + b)], _gamma2, _beta2);
        }
        return output;
    }

    private static double[] LayerNorm(double[] row, float[] gamma, float[] beta)
    {
        var mean = row.Average();
        var variance = row.Average(value => (value - mean) * (value - mean));
        return [.. row.Select((value, j) => (value - mean) / Math.Sqrt(variance + Epsilon) * gamma[j] + beta[j])];
    }

    /// <summary>row × W for a row-major [Hidden, Hidden] matrix, as ONNX MatMul computes it.</summary>
    private static double[] Multiply(double[] row, float[] weights)
    {
        var result = new double[Hidden];
        for (var i = 0; i < Hidden; i++)
        {
            for (var j = 0; j < Hidden; j++)
            {
                result[j] += row[i] * weights[i * Hidden + j];
            }
        }
        return result;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
