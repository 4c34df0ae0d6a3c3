namespace StreamAttention.Embeddings.MiniLm;

/// <summary>How MiniLM's dense layers (its MatMuls with constant weights) are computed.</summary>
public enum MiniLmQuantization
{
    /// <summary>Float, the published model.</summary>
    None,

    /// <summary>Dynamic int8: weights int8 per column, activations quantized per run (<c>DynamicMatMulQuantizer</c>).</summary>
    Int8,
}
