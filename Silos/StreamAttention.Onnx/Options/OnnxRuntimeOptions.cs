using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Onnx.Options;

/// <summary>How ONNX Runtime sessions are created (section "Onnx").</summary>
public sealed class OnnxRuntimeOptions
{
    public const string SectionName = "Onnx";

    /// <summary>"cpu" (default), "cuda" (fall back to CPU with a warning when unavailable).</summary>
    [Required, RegularExpression("^(cpu|cuda)$", ErrorMessage = "ExecutionProvider must be 'cpu' or 'cuda'.")]
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>
    /// The scoring engine's own graphs (prefilter GEMM, attention): "cpu", "cuda", or null for
    /// <see cref="ExecutionProvider"/>. A GPU silo with many interests may score faster with them on its CPU cores while
    /// MiniLM runs on CUDA: on one H200 with 16 cores, scoring alone ran at 766 messages/s on CPU against 583 on CUDA at
    /// 100,000 interests, and the reverse at 10,000 (1,135 against 1,839; docs/benchmarks.md, "On a GPU").
    /// </summary>
    [RegularExpression("^(cpu|cuda)$", ErrorMessage = "ScoringExecutionProvider must be 'cpu' or 'cuda' (or unset: as ExecutionProvider).")]
    public string? ScoringExecutionProvider { get; set; }

    [Range(0, 64)]
    public int CudaDeviceId { get; set; }

    /// <summary>
    /// Path of a CUDA execution-provider plugin library (registered with OrtEnv.RegisterExecutionProviderLibrary).
    /// When empty, the CUDA provider compiled into the ONNX Runtime native library is tried (the Gpu package).
    /// </summary>
    public string? CudaProviderLibraryPath { get; set; }

    /// <summary>Threads per session for one operator; 0 lets ONNX Runtime use one per physical core.</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether a session's intra-op threads spin while they wait for work (ONNX Runtime's own default). Off here: scoring
    /// runs several short sessions in turn, and their spinning threads took more CPU than the work itself
    /// (docs/benchmarks.md, "Scale: candidates").
    /// </summary>
    public bool IntraOpSpinning { get; set; }
}
