using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Stage 2: cross-attention of candidate interests (queries) over a message's tokens (keys = values).
/// attention = softmax(scale·q·Kᵀ + token_bias); ctx = attention·K; score = cos(q, ctx).
/// ctx is never materialised (the "Gram" form): q·ctx = Σₜ aₜ(q·kₜ) and |ctx|² = aᵀ(K·Kᵀ)a,
/// which keeps the work per pair at O(T·d + T²) instead of a [m, c, d] context tensor.
/// </summary>
public static class CrossAttentionGraph
{
    public const string Keys = "keys";             // [m, t, d] unit token vectors, zero rows for padding
    public const string TokenBias = "token_bias";  // [m, t] log prior weight per token, very negative for padding
    public const string Interests = "interests";   // [n, d] unit query vectors
    public const string Candidates = "candidates"; // [m, c] int64 interest row per candidate slot
    public const string Scale = "scale";           // [1] inverse attention temperature
    public const string Score = "score";           // [m, c] cos(q, ctx)
    public const string Attention = "attention";   // [m, c, t]

    /// <summary>Keeps |ctx| away from zero; ctx is a convex mix of unit vectors, so |ctx|² is far above this unless they cancel out.</summary>
    private const float NormFloor = 1e-12f;

    public static byte[] Build()
    {
        var g = new OnnxGraphBuilder("cross_attention")
            .Input(Keys, DataType.Float, "m", "t", "d")
            .Input(TokenBias, DataType.Float, "m", "t")
            .Input(Interests, DataType.Float, "n", "d")
            .Input(Candidates, DataType.Int64, "m", "c")
            .Input(Scale, DataType.Float, 1)
            .Output(Score, DataType.Float, "m", "c")
            .Output(Attention, DataType.Float, "m", "c", "t");

        var lastAxis = g.Constant("last_axis", [-1L], 1);
        var candidateAxis = g.Constant("candidate_axis", [1L], 1);
        var normFloor = g.Scalar("norm_floor", NormFloor);

        var queries = g.Node("Gather", [Interests, Candidates], "queries", ("axis", 0));          // [m, c, d]
        var keysT = g.Node("Transpose", [Keys], "keys_t", ("perm", new long[] { 0, 2, 1 }));      // [m, d, t]
        var cosines = g.Node("MatMul", [queries, keysT], "cosines");                             // [m, c, t]
        var scaled = g.Node("Mul", [cosines, Scale], "scaled");
        var bias = g.Node("Unsqueeze", [TokenBias, candidateAxis], "bias");                      // [m, 1, t]
        var logits = g.Node("Add", [scaled, bias], "logits");
        g.Node("Softmax", [logits], Attention, ("axis", -1));

        var weighted = g.Node("Mul", [Attention, cosines], "weighted");
        var queryDotContext = g.Node("ReduceSum", [weighted, lastAxis], "q_dot_ctx", ("keepdims", 0)); // [m, c]

        var gram = g.Node("MatMul", [Keys, keysT], "gram");                                     // [m, t, t]
        var attentionGram = g.Node("MatMul", [Attention, gram], "attention_gram");              // [m, c, t]
        var quadratic = g.Node("Mul", [attentionGram, Attention], "quadratic");
        var contextNormSquared = g.Node("ReduceSum", [quadratic, lastAxis], "ctx_norm_sq", ("keepdims", 0));
        var contextNorm = g.Node("Sqrt", [g.Node("Max", [contextNormSquared, normFloor])], "ctx_norm");
        g.Node("Div", [queryDotContext, contextNorm], Score);
        return g.ToBytes();
    }
}
