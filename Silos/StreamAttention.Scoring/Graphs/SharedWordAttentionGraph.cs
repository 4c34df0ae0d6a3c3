using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Attention of distinct query words over messages' tokens, every word against every message of a run (keys = values):
/// attention = softmax(scale·q·Kᵀ + token_bias), score = cos(q, attention·K), in the Gram form of
/// <see cref="CrossAttentionGraph"/> (q·ctx = Σₜ aₜ(q·kₜ), |ctx|² = aᵀ(K·Kᵀ)a).
/// The logits of all message tokens with all words are one GEMM [m·t, d] × [d, w] whose bias input adds the token
/// prior; an interest's score is then a weighted sum of its words' scores, formed by the caller.
/// The softmax is never formed as such: over the token axis (not the last one) ONNX Runtime's Softmax transposes twice,
/// and that plus the scaling and the prior's addition cost more than the GEMM (docs/benchmarks.md, "Scale: attention
/// graph"). Instead e = exp(logit) with each message's prior shifted to a maximum of 0, so no logit exceeds scale and
/// the likeliest token's is at least −scale; Σe and Σe·prior come from one small batched MatMul, and the softmax's
/// division is applied to the [m, w] results: q·ctx = (Σ e·logit − Σ e·prior) / (scale·Σe), |ctx|² = eᵀGe / (Σe)².
/// Without a per-pair maximum, these stay within float's normal range only up to <see cref="MaxScale"/>.
/// </summary>
public static class SharedWordAttentionGraph
{
    public const string Keys = "keys";             // [m, t, d] unit token vectors, zero rows for padding
    public const string TokenBias = "token_bias";  // [m, t] log prior weight per token, very negative for padding
    public const string Words = "words";           // [w, d] unit query vectors
    public const string Scale = "scale";           // [1] inverse attention temperature, at most MaxScale
    public const string Score = "score";           // [m, w]

    /// <summary>
    /// The largest scale for which Σe, eᵀGe and the likeliest token's e² stay within float's normal range for messages
    /// of up to 100,000 tokens: (100,000 · e^30)² &lt; 3.4·10^38 and e^−60 &gt; 1.2·10^−38.
    /// </summary>
    public const float MaxScale = 30f;

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
        var flatKeysShape = g.Constant("flat_keys_shape", [-1L, dimension], 2);
        var flatBiasShape = g.Constant("flat_bias_shape", [-1L, 1L], 2);
        var anyWords = g.Constant("any_words", [-1L], 1);
        var first = g.Constant("first", [0L], 1);
        var second = g.Constant("second", [1L], 1);
        var third = g.Constant("third", [2L], 1);
        var normFloor = g.Scalar("norm_floor", NormFloor);

        // The prior shifted per message so that its largest token weight is 0 (padding stays very negative).
        var prior = g.Node("Sub", [TokenBias, g.Node("ReduceMax", [TokenBias, tokenAxis], "max_bias", ("keepdims", 1))], "prior"); // [m, t]
        var scaledKeys = g.Node("Mul", [g.Node("Reshape", [Keys, flatKeysShape], "flat_keys"), Scale], "scaled_keys");           // [m·t, d]
        var flatPrior = g.Node("Reshape", [prior, flatBiasShape], "flat_prior");                                                   // [m·t, 1]
        var flatLogits = g.Node("Gemm", [scaledKeys, Words, flatPrior], "flat_logits", ("transB", 1));                           // [m·t, w]
        var logitShape = g.Node("Concat", [g.Node("Shape", [TokenBias], "bias_shape"), anyWords], "logit_shape", ("axis", 0));
        var logits = g.Node("Reshape", [flatLogits, logitShape], "logits");                                                       // [m, t, w]
        var weights = g.Node("Exp", [logits], "weights");                                                                         // e, unnormalised attention

        // Σe and Σe·prior per (message, word): rows [1, prior] [m, 2, t] times e [m, t, w].
        var priorRow = g.Node("Unsqueeze", [prior, tokenAxis], "prior_row");                                                      // [m, 1, t]
        var onesRow = g.Node("Expand", [g.Scalar("one", 1f), g.Node("Shape", [priorRow], "row_shape")], "ones_row");
        var sums = g.Node("MatMul", [g.Node("Concat", [onesRow, priorRow], "sum_rows", ("axis", 1)), weights], "sums");          // [m, 2, w]
        var weightSum = g.Node("Squeeze", [g.Node("Slice", [sums, first, second, tokenAxis], "weight_sum_row"), tokenAxis], "weight_sum");
        var weightedPrior = g.Node("Squeeze", [g.Node("Slice", [sums, second, third, tokenAxis], "weighted_prior_row"), tokenAxis], "weighted_prior");

        var weightedLogits = g.Node("ReduceSum", [g.Node("Mul", [weights, logits], "weight_logits"), tokenAxis], "weighted_logits", ("keepdims", 0));
        var queryDotContext = g.Node("Div", [g.Node("Sub", [weightedLogits, weightedPrior], "scaled_q_dot_ctx"), g.Node("Mul", [weightSum, Scale], "scaled_weight_sum")], "q_dot_ctx");

        var gram = g.Node("MatMul", [Keys, g.Node("Transpose", [Keys], "keys_t", ("perm", new long[] { 0, 2, 1 }))], "gram");    // [m, t, t]
        var gramWeights = g.Node("MatMul", [gram, weights], "gram_weights");                                                      // [m, t, w]
        var quadratic = g.Node("ReduceSum", [g.Node("Mul", [gramWeights, weights], "quadratic_terms"), tokenAxis], "quadratic", ("keepdims", 0));
        var contextNormSquared = g.Node("Div", [quadratic, g.Node("Mul", [weightSum, weightSum], "weight_sum_sq")], "ctx_norm_sq");
        var contextNorm = g.Node("Sqrt", [g.Node("Max", [contextNormSquared, normFloor])], "ctx_norm");
        g.Node("Div", [queryDotContext, contextNorm], Score);                                                                     // [m, w]
        return g.ToBytes();
    }
}
