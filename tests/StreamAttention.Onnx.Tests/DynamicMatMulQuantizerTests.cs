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
    public void A_quantization_asked_to_stop_stops()
    {
        var model = ModelProto.Parser.ParseFrom(BuildModel());
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        // MiniLM's quantization (seconds) ran to its end however early the stop came.
        Assert.Throws<OperationCanceledException>(() => DynamicMatMulQuantizer.Quantize(model, stopped.Token));
    }

    [Fact]
    public void Constant_weight_matmuls_become_integer_matmuls_of_row_quantized_inputs_and_give_close_outputs()
    {
        var model = ModelProto.Parser.ParseFrom(BuildModel());
        var floatBytes = model.ToByteArray();

        var rewritten = DynamicMatMulQuantizer.Quantize(model);

        Assert.Equal(2, rewritten);
        var nodes = model.Graph.Node;
        Assert.Equal(["MatMulIntegerToFloat", "Add", "Relu", "MatMulIntegerToFloat", "Transpose", "MatMul"],
            nodes.Where(n => n.OpType is "MatMulIntegerToFloat" or "Add" or "Relu" or "Transpose" or "MatMul").Select(n => n.OpType));
        Assert.Equal(["x_rows_quantized", "w1_quantized", "x_rows_scale", "w1_scale", "row_quantization_zero_point_128"],
            nodes.First(n => n.OpType == "MatMulIntegerToFloat").Input);
        Assert.Equal("y", nodes.Last(n => n.OpType == "MatMulIntegerToFloat").Output[0]);
        Assert.DoesNotContain(model.Graph.Initializer, t => t.Name is "w1" or "w2");
        Assert.Contains(model.OpsetImport, o => o.Domain == DynamicMatMulQuantizer.ContribDomain);

        var x = Input(Rows);
        var expected = Run(floatBytes, x, Rows);
        var actual = Run(model.ToByteArray(), x, Rows);
        // Activations are quantized per row (255 levels over ± the row's largest magnitude), weights per column: a few percent of the
        // largest output on these random weights (a trained network's errors average out over d = 384). These weights fill
        // their columns' range evenly, so with 8-bit weights a CPU without VNNI (AVX2 only) saturated its int16 pair sums
        // and missed by up to 9 on outputs of ~27.
        var largest = expected.Max(Math.Abs);
        Assert.All(expected.Zip(actual), p => Assert.InRange(Math.Abs(p.First - p.Second), 0, 0.04f * largest));
    }

    [Fact]
    public void A_rows_output_does_not_depend_on_the_other_rows_of_its_input()
    {
        var model = ModelProto.Parser.ParseFrom(BuildModel());
        DynamicMatMulQuantizer.Quantize(model);
        var bytes = model.ToByteArray();
        var x = Input(Rows);
        // The same rows followed by one with values ten times larger, which widens a whole-input range tenfold.
        var withLargeRow = x.Concat(x.Take(K).Select(v => v * 10 - 3)).ToArray();

        var alone = Run(bytes, x, Rows);
        var inBatch = Run(bytes, withLargeRow, Rows + 1);
        var first = Run(bytes, x[..K], 1);

        // Bit for bit: a row's integer product is exact and its float steps read only that row's scale.
        Assert.Equal(alone, inBatch[..(Rows * N)]);
        Assert.Equal(alone[..N], first);
    }

    [Fact]
    public void A_quantized_matmul_computes_each_rows_product_from_its_own_scale()
    {
        var g = new OnnxGraphBuilder("one-matmul");
        g.Input("x", Float, "rows", K);
        g.Output("y", Float, "rows", N);
        var weight = Weight(K, N);
        var bias = Weight(1, N);
        g.Node("Add", [g.Node("MatMul", ["x", g.Constant("w", weight, K, N)]), g.Constant("b", bias, N)], "y");
        var model = g.Build();
        DynamicMatMulQuantizer.Quantize(model);
        // Rows with both signs, only positive values, only negative values and all zeros.
        var x = Input(2).Concat(Input(1).Select(v => Math.Abs(v) + 0.5f)).Concat(Input(1).Select(v => -Math.Abs(v))).Concat(new float[K]).ToArray();

        var actual = Run(model.ToByteArray(), x, 5);

        var (q, scales) = DynamicMatMulQuantizer.QuantizePerColumn(weight, K, N);
        for (var row = 0; row < 5; row++)
        {
            var values = x[(row * K)..((row + 1) * K)];
            // Symmetric on the row: 127 levels each side of the zero point 128.
            var scale = Math.Max(values.Max(Math.Abs) / 127f, 1.17549435e-38f);
            var quantized = values.Select(v => (int)MathF.Round(v / scale) + 128).ToArray();
            for (var n = 0; n < N; n++)
            {
                var product = 0.0;
                for (var k = 0; k < K; k++)
                {
                    product += (quantized[k] - 128.0) * q[k * N + n];
                }
                var expected = product * scale * scales[n] + bias[n];
                Assert.Equal(expected, actual[row * N + n], 1e-4 * Math.Max(1, Math.Abs(expected)));
            }
        }
    }

    private const int Rows = 3;

    private static float[] Input(int rows) => Enumerable.Range(0, rows * K).Select(i => MathF.Sin(i * 0.7f)).ToArray();

    /// <summary>x [rows, K] → MatMul w1 + b1 → Relu → MatMul w2 = y, and y · yᵀ (a MatMul of two activations, left float).</summary>
    private static byte[] BuildModel()
    {
        var g = new OnnxGraphBuilder("quantizer-test");
        g.Input("x", Float, "rows", K);
        g.Output("y", Float, "rows", N);
        g.Output("gram", Float, "rows", "rows");
        var hidden = g.Node("Add", [g.Node("MatMul", ["x", g.Constant("w1", Weight(K, K), K, K)]), g.Constant("b1", Weight(1, K), K)]);
        var y = g.Node("MatMul", [g.Node("Relu", [hidden]), g.Constant("w2", Weight(K, N), K, N)], "y");
        g.Node("MatMul", [y, g.Node("Transpose", [y])], "gram");
        return g.ToBytes();
    }

    private static float[] Weight(int rows, int columns) =>
        Enumerable.Range(0, rows * columns).Select(i => MathF.Cos(i * 1.3f) * (1 + i % 5)).ToArray();

    private static float[] Run(byte[] model, float[] x, int rows)
    {
        using var session = new InferenceSession(model);
        using var input = OrtValue.CreateTensorValueFromMemory(x, [rows, K]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
