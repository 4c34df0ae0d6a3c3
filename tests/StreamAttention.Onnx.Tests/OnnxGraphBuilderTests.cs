using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace StreamAttention.Onnx.Tests;

public sealed class OnnxGraphBuilderTests
{
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;
    private static readonly float[] GemmWeights = [1, -2, 0.5f, 3, 0, -1]; // [2, 3], used transposed
    private static readonly float[] GemmBias = [0.25f, -0.5f];
    private static readonly float[] ColumnScale = [1, -2];
    private const float GemmAlpha = 0.5f, GemmBeta = 2f, LeakyAlpha = 0.1f, SumOffset = 0.25f;

    /// <summary>
    /// x [batch, 3] → Gemm (float and int attributes) → LeakyRelu → × a Constant node's value_floats →
    /// a Pad (string attribute, int64 list attribute via Constant value_ints), a ReduceSum over an int64 initializer
    /// plus a scalar, and the right half of a two-output Split.
    /// </summary>
    private static byte[] BuildModel()
    {
        var g = new OnnxGraphBuilder("builder-test");
        g.Input("x", Float, "batch", 3);
        g.Output("padded", Float, "batch", 3L);
        g.Output("sum", Float, "batch");
        g.Output("right", Float, "batch", 1);

        var gemm = g.Node("Gemm", ["x", g.Constant("w", GemmWeights, 2, 3), g.Constant("b", GemmBias, 2)], output: null,
            ("alpha", GemmAlpha), ("beta", GemmBeta), ("transB", 1));
        var leaky = g.Node("LeakyRelu", [gemm], output: null, ("alpha", LeakyAlpha));
        var scaled = g.Node("Mul", [leaky, g.Node("Constant", [], output: null, ("value_floats", ColumnScale))]);
        g.Node("Pad", [scaled, g.Node("Constant", [], output: null, ("value_ints", new long[] { 0, 1, 0, 0 }))], "padded", ("mode", "constant"));
        var rowSum = g.Node("ReduceSum", [scaled, g.Constant("axes", [1L], 1)], output: null, ("keepdims", 0L));
        g.Node("Add", [rowSum, g.Scalar("offset", SumOffset)], "sum");
        g.Node("Split", [scaled], ["left", "right"], ("axis", 1L), ("num_outputs", 2L));
        return g.ToBytes();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Builds_a_model_onnx_runtime_loads_and_runs(int batch)
    {
        using var session = new InferenceSession(BuildModel());
        var x = Enumerable.Range(0, batch * 3).Select(i => (float)Math.Sin(i + 1) * 2).ToArray();

        using var input = OrtValue.CreateTensorValueFromMemory(x, [batch, 3]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["padded", "sum", "right"]);

        var padded = outputs[0].GetTensorDataAsSpan<float>().ToArray();
        var sum = outputs[1].GetTensorDataAsSpan<float>().ToArray();
        var right = outputs[2].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal([batch, 3L], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([(long)batch], outputs[1].GetTensorTypeAndShape().Shape);
        Assert.Equal([batch, 1L], outputs[2].GetTensorTypeAndShape().Shape);
        for (var row = 0; row < batch; row++)
        {
            var expected = Expected(x.AsSpan(row * 3, 3));
            Assert.Equal(0f, padded[row * 3]);
            Assert.Equal(expected[0], padded[row * 3 + 1], 5);
            Assert.Equal(expected[1], padded[row * 3 + 2], 5);
            Assert.Equal(expected[0] + expected[1] + SumOffset, sum[row], 5);
            Assert.Equal(expected[1], right[row], 5);
        }
    }

    [Fact]
    public void Declares_fixed_and_symbolic_dimensions()
    {
        using var session = new InferenceSession(BuildModel());

        var x = session.InputMetadata["x"];
        Assert.Equal([-1, 3], x.Dimensions);
        Assert.Equal("batch", x.SymbolicDimensions[0]);
        Assert.Equal([-1, 3], session.OutputMetadata["padded"].Dimensions);
        Assert.Equal("batch", session.OutputMetadata["sum"].SymbolicDimensions[0]);
    }

    [Fact]
    public void Rejects_unsupported_dimensions_and_attributes()
    {
        var g = new OnnxGraphBuilder("invalid");

        Assert.Throws<ArgumentException>(() => g.Input("x", Float, 2.5));
        Assert.Throws<ArgumentException>(() => g.Node("Relu", ["x"], output: null, ("alpha", 1.0)));
    }

    /// <summary>The same computation in C#: scale ⊙ LeakyRelu(alpha · W·x + beta · b).</summary>
    private static float[] Expected(ReadOnlySpan<float> x)
    {
        var result = new float[2];
        for (var j = 0; j < 2; j++)
        {
            var dot = 0f;
            for (var k = 0; k < 3; k++)
            {
                dot += GemmWeights[j * 3 + k] * x[k];
            }
            var gemm = GemmAlpha * dot + GemmBeta * GemmBias[j];
            result[j] = (gemm >= 0 ? gemm : LeakyAlpha * gemm) * ColumnScale[j];
        }
        return result;
    }
}
