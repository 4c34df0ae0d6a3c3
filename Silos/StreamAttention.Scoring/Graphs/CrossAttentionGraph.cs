using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Stage 2: cross-attention of candidate interests over a message's tokens (keys = values). An interest has q query
/// vectors with weights summing to 1 (its pooled vector alone, or its word vectors); each query vector attends on its own:
/// attention = softmax(scale·q·Kᵀ + token_bias); ctx = attention·K; score = Σ weight·cos(q, ctx).
/// ctx is never materialised (the "Gram" form): q·ctx = Σₜ aₜ(q·kₜ) and |ctx|² = aᵀ(K·Kᵀ)a,
/// which keeps the work per query vector at O(T·d + T²) instead of a [m, c·q, d] context tensor.
/// The attention output holds every query vector's weights; callers average them (for highlights) only for the pairs
/// that match, which is cheaper than averaging every candidate in the graph.
/// </summary>
public static class CrossAttentionGraph
{
    public const string Keys = "keys";                   // [m, t, d] unit token vectors, zero rows for padding
    public const string TokenBias = "token_bias";        // [m, t] log prior weight per token, very negative for padding
    public const string QueryVectors = "query_vectors";  // [n, q, d] unit query vectors per interest, zero rows for padding
    public const string QueryWeights = "query_weights";  // [n, q] per interest summing to 1, 0 for padding
    public const string Candidates = "candidates";       // [m, c] int64 interest row per candidate slot
    public const string Scale = "scale";                 // [1] inverse attention temperature
    public const string Score = "score";                 // [m, c]
    public const string Attention = "attention";         // [m, c·q, t] per query vector

    /// <summary>Keeps |ctx| away from zero; ctx is a convex mix of unit vectors, so |ctx|² is far above this unless they cancel out.</summary>
    private const float NormFloor = 1e-12f;

    public static byte[] Build(int dimension)
    {
        var g = new OnnxGraphBuilder("cross_attention")
            .Input(Keys, DataType.Float, "m", "t", dimension)
            .Input(TokenBias, DataType.Float, "m", "t")
            .Input(QueryVectors, DataType.Float, "n", "q", dimension)
            .Input(QueryWeights, DataType.Float, "n", "q")
            .Input(Candidates, DataType.Int64, "m", "c")
            .Input(Scale, DataType.Float, 1)
            .Output(Score, DataType.Float, "m", "c")
            .Output(Attention, DataType.Float, "m", "cq", "t");

        var lastAxis = g.Constant("last_axis", [-1L], 1);
        var secondAxis = g.Constant("second_axis", [1L], 1);
        var flatQueries = g.Constant("flat_queries_shape", [0L, -1L, dimension], 3);
        var normFloor = g.Scalar("norm_floor", NormFloor);

        var queries = g.Node("Gather", [QueryVectors, Candidates], "queries", ("axis", 0));       // [m, c, q, d]
        var weights = g.Node("Gather", [QueryWeights, Candidates], "weights", ("axis", 0));      // [m, c, q]
        var flat = g.Node("Reshape", [queries, flatQueries], "flat_queries");                    // [m, c·q, d]
        var keysT = g.Node("Transpose", [Keys], "keys_t", ("perm", new long[] { 0, 2, 1 }));     // [m, d, t]
        var cosines = g.Node("MatMul", [flat, keysT], "cosines");                               // [m, c·q, t]
        var scaled = g.Node("Mul", [cosines, Scale], "scaled");
        var bias = g.Node("Unsqueeze", [TokenBias, secondAxis], "bias");                         // [m, 1, t]
        var attention = g.Node("Softmax", [g.Node("Add", [scaled, bias], "logits")], Attention, ("axis", -1));

        var queryDotContext = g.Node("ReduceSum", [g.Node("Mul", [attention, cosines], "weighted"), lastAxis], "q_dot_ctx", ("keepdims", 0));
        var gram = g.Node("MatMul", [Keys, keysT], "gram");                                     // [m, t, t]
        var attentionGram = g.Node("MatMul", [attention, gram], "attention_gram");              // [m, c·q, t]
        var contextNormSquared = g.Node("ReduceSum", [g.Node("Mul", [attentionGram, attention], "quadratic"), lastAxis], "ctx_norm_sq", ("keepdims", 0));
        var contextNorm = g.Node("Sqrt", [g.Node("Max", [contextNormSquared, normFloor])], "ctx_norm");
        var vectorScores = g.Node("Div", [queryDotContext, contextNorm], "vector_scores");      // [m, c·q]

        var weightsShape = g.Node("Shape", [weights], "weights_shape");                        // [m, c, q]
        var perVector = g.Node("Reshape", [vectorScores, weightsShape], "per_vector");          // [m, c, q]
        g.Node("ReduceSum", [g.Node("Mul", [perVector, weights], "weighted_scores"), lastAxis], Score, ("keepdims", 0));

        return g.ToBytes();
    }
}
