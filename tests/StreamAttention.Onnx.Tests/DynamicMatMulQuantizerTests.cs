using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using StreamAttention.Onnx.Quantization;

namespace StreamAttention.Onnx.Tests;

public sealed class DynamicMatMulQuantizerTests
{
    private const TensorProto.Types.DataType Float = TensorProto.Types.DataType.Float;
    private const int K = 16, N = 8;

    [Fact]
    public void A_quantized_weight_round_trips_within_half_its_column_scale()
    {
        var weight = Weight(K, N);

        var (values, scales) = DynamicMatMulQuantizer.QuantizePerColumn(weight, K, N);

        for (var i = 0; i < weight.Length; i++)
        {
            var scale = scales[i % N];
            Assert.InRange(Math.Abs(weight[i] - values[i] * scale), 0, scale / 2 * 1.0001f);
        }
        // The column's largest magnitude maps to ±63 exactly (7 bits: no int16 saturation on CPUs without VNNI).
        Assert.All(Enumerable.Range(0, N), n => Assert.Equal(DynamicMatMulQuantizer.MaxWeight, Enumerable.Range(0, K).Max(k => Math.Abs((int)values[k * N + n]))));
    }

    [Fact]
    public void An_all_zero_column_gets_scale_one_and_zero_values()
    {
        var (values, scales) = DynamicMatMulQuantizer.QuantizePerColumn([0, 1, 0, -3], 2, 2);

        Assert.Equal([1f, 3f / 63], scales);
        Assert.Equal([(sbyte)0, (sbyte)21, (sbyte)0, (sbyte)-63], values);
    }

    [Fact]
    public void Constant_weight_matmuls_become_dynamic_quantize_matmul_with_the_bias_folded_and_give_close_outputs()
    {
        var model = ModelProto.Parser.ParseFrom(BuildModel());
        var floatBytes = model.ToByteArray();

        var rewritten = DynamicMatMulQuantizer.Quantize(model);

        Assert.Equal(2, rewritten);
        Assert.Equal(["DynamicQuantizeMatMul", "Relu", "DynamicQuantizeMatMul", "Transpose", "MatMul"], model.Graph.Node.Select(n => n.OpType));
        Assert.Equal(["x", "w1_quantized", "w1_scale", "w1_zero_point", "b1"], model.Graph.Node[0].Input);
        Assert.Equal(4, model.Graph.Node[2].Input.Count); // no bias: the second's result has two readers
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name is "w1" or "w2");
        Assert.Contains(model.OpsetImport, o => o.Domain == DynamicMatMulQuantizer.ContribDomain);

        var x = Enumerable.Range(0, 3 * K).Select(i => MathF.Sin(i * 0.7f)).ToArray();
        var expected = Run(floatBytes, x);
        var actual = Run(model.ToByteArray(), x);
        // Activations are quantized per tensor (8 bits over the whole batch's range), weights per column: a few percent
        // of the largest output on these random weights (a trained network's errors average out over d = 384). These
        // weights fill their columns' range evenly, so with 8-bit weights a CPU without VNNI (AVX2 only) saturated its
        // int16 pair sums and missed by up to 9 on outputs of ~27.
        var largest = expected.Max(Math.Abs);
        Assert.All(expected.Zip(actual), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 0.04f * largest));
    }

    /// <summary>x [3, K] → MatMul w1 + b1 → Relu → MatMul w2 = y, and y · yᵀ (a MatMul of two activations, left float).</summary>
    private static byte[] BuildModel()
    {
        var g = new OnnxGraphBuilder("quantizer-test");
        g.Input("x", Float, 3, K);
        g.Output("y", Float, 3, N);
        g.Output("gram", Float, 3, 3);
        var hidden = g.Node("Add", [g.Node("MatMul", ["x", g.Constant("w1", Weight(K, K), K, K)]), g.Constant("b1", Weight(1, K), K)]);
        var y = g.Node("MatMul", [g.Node("Relu", [hidden]), g.Constant("w2", Weight(K, N), K, N)], "y");
        g.Node("MatMul", [y, g.Node("Transpose", [y])], "gram");
        return g.ToBytes();
    }

    private static float[] Weight(int rows, int columns) =>
        Enumerable.Range(0, rows * columns).Select(i => MathF.Cos(i * 1.3f) * (1 + i % 5)).ToArray();

    private static float[] Run(byte[] model, float[] x)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [3, K]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
