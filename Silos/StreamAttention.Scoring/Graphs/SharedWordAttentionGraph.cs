using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Attention of distinct query words over messages' tokens, every word against every message of a run (keys = values):
/// attention = softmax(scale·q·Kᵀ + token_bias), score = cos(q, attention·K), in the Gram form of
/// <see cref="CrossAttentionGraph"/> (q·ctx = Σₜ aₜ(q·kₜ), |ctx|² = aᵀ(K·Kᵀ)a).
/// The cosines of all message tokens with all words are one GEMM [m·t, d] × [d, w]; an interest's score is then a
/// weighted sum of its words' scores, formed by the caller.
/// </summary>
public static class SharedWordAttentionGraph
{
    public const string Keys = "keys";             // [m, t, d] unit token vectors, zero rows for padding
    public const string TokenBias = "token_bias";  // [m, t] log prior weight per token, very negative for padding
    public const string Words = "words";           // [w, d] unit query vectors
    public const string Scale = "scale";           // [1] inverse attention temperature
    public const string Score = "score";           // [m, w]

    /// <summary>Keeps |ctx| away from zero, as in <see cref="CrossAttentionGraph"/>.</summary>
    private const float NormFloor = 1e-12f;

    public static byte[] Build(int dimension)
    {
        var g = new OnnxGraphBuilder("shared_word_attention")
            .Input(Keys, DataType.Float, "m", "t", dimension)
            .Input(TokenBias, DataType.Float, "m", "t")
            .Input(Words, DataType.Float, "w", dimension)
            .Input(Scale, DataType.Float, 1)
            .Output(Score, DataType.Float, "m", "w");

        var tokenAxis = g.Constant("token_axis", [1L], 1);
        var lastAxis = g.Constant("last_axis", [2L], 1);
        var flatShape = g.Constant("flat_keys_shape", [-1L, dimension], 2);
        var anyWords = g.Constant("any_words", [-1L], 1);
        var normFloor = g.Scalar("norm_floor", NormFloor);

        var flatKeys = g.Node("Reshape", [Keys, flatShape], "flat_keys");                              // [m·t, d]
        var flatCosines = g.Node("Gemm", [flatKeys, Words], "flat_cosines", ("transB", 1));           // [m·t, w]
        var cosineShape = g.Node("Concat", [g.Node("Shape", [TokenBias], "bias_shape"), anyWords], "cosine_shape", ("axis", 0));
        var cosines = g.Node("Reshape", [flatCosines, cosineShape], "cosines");                       // [m, t, w]
        var bias = g.Node("Unsqueeze", [TokenBias, lastAxis], "bias");                                // [m, t, 1]
        var logits = g.Node("Add", [g.Node("Mul", [cosines, Scale], "scaled"), bias], "logits");
        var attention = g.Node("Softmax", [logits], "attention", ("axis", 1));                        // over tokens

        var queryDotContext = g.Node("ReduceSum", [g.Node("Mul", [attention, cosines], "weighted"), tokenAxis], "q_dot_ctx", ("keepdims", 0));
        var gram = g.Node("MatMul", [Keys, g.Node("Transpose", [Keys], "keys_t", ("perm", new long[] { 0, 2, 1 }))], "gram"); // [m, t, t]
        var gramAttention = g.Node("MatMul", [gram, attention], "gram_attention");                    // [m, t, w]
        var contextNormSquared = g.Node("ReduceSum", [g.Node("Mul", [gramAttention, attention], "quadratic"), tokenAxis], "ctx_norm_sq", ("keepdims", 0));
        var contextNorm = g.Node("Sqrt", [g.Node("Max", [contextNormSquared, normFloor])], "ctx_norm");
        g.Node("Div", [queryDotContext, contextNorm], Score);                                          // [m, w]
        return g.ToBytes();
    }
}
