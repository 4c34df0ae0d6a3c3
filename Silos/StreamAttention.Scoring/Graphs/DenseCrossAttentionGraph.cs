using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Stage 2 for dense candidate sets: every message of a group against every interest of a block, with no gather.
/// The same cross-attention as <see cref="CrossAttentionGraph"/>, laid out so that the query·key products are one large
/// GEMM ([m·t, d] × [d, b·q]) and the Gram products are [t, t] × [t, b·q] per message; attention runs over axis 1 (tokens).
/// No attention output: callers compute the few matched pairs' highlights separately.
/// </summary>
public static class DenseCrossAttentionGraph
{
    public const string Keys = "keys";                   // [m, t, d] unit token vectors, zero rows for padding
    public const string TokenBias = "token_bias";        // [m, t] log prior weight per token, very negative for padding
    public const string QueryVectors = "query_vectors";  // [b, q, d] unit query vectors of a block of interests
    public const string QueryWeights = "query_weights";  // [b, q] per interest summing to 1, 0 for padding
    public const string Scale = "scale";                 // [1] inverse attention temperature
    public const string Score = "score";                 // [m, b]

    private const float NormFloor = 1e-12f;

    public static byte[] Build(int dimension)
    {
        var g = new OnnxGraphBuilder("dense_cross_attention")
            .Input(Keys, DataType.Float, "m", "t", dimension)
            .Input(TokenBias, DataType.Float, "m", "t")
            .Input(QueryVectors, DataType.Float, "b", "q", dimension)
            .Input(QueryWeights, DataType.Float, "b", "q")
            .Input(Scale, DataType.Float, 1)
            .Output(Score, DataType.Float, "m", "b");

        var tokenAxis = g.Constant("token_axis", [1L], 1);
        var lastAxis = g.Constant("last_axis", [-1L], 1);
        var flatShape = g.Constant("flat_shape", [-1L, dimension], 2);
        var normFloor = g.Scalar("norm_floor", NormFloor);

        var flat = g.Node("Reshape", [QueryVectors, flatShape], "flat_queries");                   // [b·q, d]
        var flatT = g.Node("Transpose", [flat], "flat_queries_t", ("perm", new long[] { 1, 0 }));  // [d, b·q]
        var cosines = g.Node("MatMul", [Keys, flatT], "cosines");                                  // [m, t, b·q]
        var bias = g.Node("Unsqueeze", [TokenBias, lastAxis], "bias");                             // [m, t, 1]
        var logits = g.Node("Add", [g.Node("Mul", [cosines, Scale], "scaled"), bias], "logits");
        var attention = g.Node("Softmax", [logits], "attention", ("axis", 1));                    // over tokens

        var queryDotContext = g.Node("ReduceSum", [g.Node("Mul", [attention, cosines], "weighted"), tokenAxis], "q_dot_ctx", ("keepdims", 0)); // [m, b·q]
        var keysT = g.Node("Transpose", [Keys], "keys_t", ("perm", new long[] { 0, 2, 1 }));
        var gram = g.Node("MatMul", [Keys, keysT], "gram");                                        // [m, t, t]
        var gramAttention = g.Node("MatMul", [gram, attention], "gram_attention");                 // [m, t, b·q]
        var contextNormSquared = g.Node("ReduceSum", [g.Node("Mul", [gramAttention, attention], "quadratic"), tokenAxis], "ctx_norm_sq", ("keepdims", 0));
        var contextNorm = g.Node("Sqrt", [g.Node("Max", [contextNormSquared, normFloor])], "ctx_norm");
        var vectorScores = g.Node("Div", [queryDotContext, contextNorm], "vector_scores");         // [m, b·q]

        var perVectorShape = g.Node("Concat", [g.Node("Shape", [Keys], "keys_shape", ("end", 1L)), g.Node("Shape", [QueryWeights], "weights_shape")], "per_vector_shape", ("axis", 0));
        var perVector = g.Node("Reshape", [vectorScores, perVectorShape], "per_vector");           // [m, b, q]
        g.Node("ReduceSum", [g.Node("Mul", [perVector, QueryWeights], "weighted_scores"), lastAxis], Score, ("keepdims", 0));
        return g.ToBytes();
    }
}
