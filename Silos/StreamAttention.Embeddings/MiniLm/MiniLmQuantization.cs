namespace StreamAttention.Embeddings.MiniLm;

/// <summary>How MiniLM's dense layers (its MatMuls with constant weights) are computed.</summary>
public enum MiniLmQuantization
{
    /// <summary>
    /// <see cref="Int8"/> on the CPU execution provider, <see cref="None"/> when Onnx:ExecutionProvider is cuda: the
    /// int8 operator has CPU kernels only, so on CUDA it would run the dense layers on the CPU. Int8 again where CUDA
    /// was asked for but the session fell back to CPU.
    /// </summary>
    Auto,

    /// <summary>Float, the published model.</summary>
    None,

    /// <summary>Dynamic int8: weights int8 per column, activations quantized per run (<c>DynamicMatMulQuantizer</c>).</summary>
    Int8,
}
