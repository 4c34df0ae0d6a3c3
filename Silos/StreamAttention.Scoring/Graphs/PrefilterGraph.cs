using StreamAttention.Onnx;
using static Onnx.TensorProto.Types;

namespace StreamAttention.Scoring.Graphs;

/// <summary>
/// Stage 1: cosine of every message's pooled vector with every interest's query vector, one GEMM per batch.
/// Both sides are unit vectors, so the dot product is the cosine.
/// </summary>
public static class PrefilterGraph
{
    public const string Messages = "messages";     // [m, d]
    public const string Interests = "interests";   // [n, d]
    public const string Similarity = "similarity"; // [m, n]

    public static byte[] Build()
    {
        var graph = new OnnxGraphBuilder("prefilter")
            .Input(Messages, DataType.Float, "m", "d")
            .Input(Interests, DataType.Float, "n", "d")
            .Output(Similarity, DataType.Float, "m", "n");
        graph.Node("Gemm", [Messages, Interests], Similarity, ("transB", 1));
        return graph.ToBytes();
    }
}
