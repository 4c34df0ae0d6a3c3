namespace StreamAttention.Onnx;

/// <summary>What a session runs, which decides its execution provider (<see cref="Options.OnnxRuntimeOptions"/>).</summary>
public enum OnnxSessionRole
{
    /// <summary>A model: MiniLM, a bring-your-own transformer, the distilled table's graphs.</summary>
    Model,

    /// <summary>One of the scoring engine's own graphs (prefilter, attention).</summary>
    ScoringGraph,
}
