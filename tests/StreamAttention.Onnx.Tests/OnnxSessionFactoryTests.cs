using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using StreamAttention.Onnx.Options;

namespace StreamAttention.Onnx.Tests;

public sealed class OnnxSessionFactoryTests
{
    [Fact]
    public void Creates_cpu_sessions_without_warnings()
    {
        var logger = new ListLogger<OnnxSessionFactory>();
        var factory = new OnnxSessionFactory(new OnnxRuntimeOptions(), logger);

        using var session = factory.Create(BuildDoubler(), "test");

        Assert.Equal("CPU", factory.ActiveProvider);
        Assert.Equal("cpu", factory.ExecutionProvider);
        Assert.Equal([2f, -4f], Run(session, [1f, -2f]));
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sessions_run_with_intra_op_spinning_off_or_on(bool spinning)
    {
        var factory = new OnnxSessionFactory(new OnnxRuntimeOptions { IntraOpSpinning = spinning, IntraOpThreads = 2 });

        using var session = factory.Create(BuildDoubler(), "test");

        Assert.Equal([2f, 8f], Run(session, [1f, 4f]));
    }

    [Theory]
    [InlineData(null, "EntryPointNotFoundException")] // the CPU build has no built-in CUDA provider
    [InlineData("/nonexistent/libonnxruntime_providers_cuda.so", "OnnxRuntimeException")]
    public void Falls_back_to_cpu_with_one_warning_when_cuda_is_unavailable(string? cudaProviderLibraryPath, string reason)
    {
        var logger = new ListLogger<OnnxSessionFactory>();
        var factory = new OnnxSessionFactory(new OnnxRuntimeOptions { ExecutionProvider = "cuda", CudaProviderLibraryPath = cudaProviderLibraryPath }, logger);

        // Answered before any session, so a model can be chosen for the provider it will run on.
        Assert.Equal("cpu", factory.ExecutionProvider);
        using var first = factory.Create(BuildDoubler(), "first");
        using var second = factory.Create(BuildDoubler(), "second");

        Assert.Equal("CPU", factory.ActiveProvider);
        Assert.Equal([6f], Run(second, [3f]));
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(reason, warning.Message);
        Assert.Contains("falling back to CPU", warning.Message);
    }

    [Theory]
    [InlineData("cpu", null, false)]
    [InlineData("cuda", null, true)] // unset: as the models
    [InlineData("cuda", "cpu", false)]
    [InlineData("cpu", "cuda", true)]
    public void A_scoring_graph_asks_for_the_scoring_provider_which_is_the_models_unless_set(string models, string? scoringGraphs, bool asksForCuda)
    {
        var logger = new ListLogger<OnnxSessionFactory>();
        var factory = new OnnxSessionFactory(new OnnxRuntimeOptions { ExecutionProvider = models, ScoringExecutionProvider = scoringGraphs }, logger);

        using var graph = factory.Create(BuildDoubler(), "graph", OnnxSessionRole.ScoringGraph);

        // This build has no CUDA provider: a graph that asked for it fell back, with the one warning.
        Assert.Equal(asksForCuda, logger.Entries.Any(e => e.Level == LogLevel.Warning && e.Message.Contains("CUDA requested")));
        Assert.Equal("CPU", factory.ScoringGraphProvider);
        Assert.Contains(logger.Entries, e => e.Message.Contains("provider for scoring graph sessions: CPU (first session: graph"));
        Assert.Equal([4f], Run(graph, [2f]));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("cuda", true)]
    [InlineData("gpu", false)]
    public void The_scoring_provider_is_cpu_cuda_or_unset(string? scoringGraphs, bool valid)
    {
        var options = new OnnxRuntimeOptions { ScoringExecutionProvider = scoringGraphs };

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true));
    }

    private static byte[] BuildDoubler()
    {
        var g = new OnnxGraphBuilder("doubler")
            .Input("x", TensorProto.Types.DataType.Float, "n")
            .Output("y", TensorProto.Types.DataType.Float, "n");
        g.Node("Mul", ["x", g.Scalar("two", 2)], "y");
        return g.ToBytes();
    }

    private static float[] Run(InferenceSession session, float[] x)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(x, [x.Length]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
