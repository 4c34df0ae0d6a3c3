using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace StreamAttention.Onnx.Quantization;

/// <summary>
/// Dynamic int8 quantization of a float ONNX model's dense layers: every MatMul whose second input is a constant float
/// weight [K, N] becomes ONNX Runtime's contrib op <c>com.microsoft.MatMulIntegerToFloat</c> of its input quantized to
/// uint8 row by row at run time (<see cref="RowQuantizer"/>: a scale per row, which the op applies to the product) and the
/// weight stored as 7-bit int8 per column (symmetric, zero point 0, scale per column). The model's bias Adds stay as they
/// are. Everything else, the activation × activation MatMuls of attention included, stays float.
/// </summary>
/// <remarks>
/// Per row, not per tensor: format 2 used <c>DynamicQuantizeMatMul</c>, which quantizes its whole input with one scale and
/// zero point, so a text's vectors depended on the other texts of its batch. Each row's result now reads only that row
/// (its integer product is exact, its scales are its own), so a text embeds bit for bit the same alone or among others
/// of the same padded length.
/// </remarks>
public static class DynamicMatMulQuantizer
{
    /// <summary>Changes whenever the rewrite changes, so a cached quantized model made by an older rule is not reused.</summary>
    public const int FormatVersion = 3;

    /// <summary>
    /// The largest weight magnitude, 7 bits rather than 8 (ONNX Runtime's <c>reduce_range</c>): on x86 CPUs without
    /// VNNI, ONNX Runtime multiplies uint8 activations by int8 weights with <c>vpmaddubsw</c>, which adds two products
    /// into a saturating int16; 255 × 127 × 2 overflows it and the layer's outputs come out wrong, while
    /// 255 × 63 × 2 = 32,130 fits.
    /// </summary>
    public const int MaxWeight = 63;

    public const string ContribDomain = "com.microsoft";

    /// <summary>Quantizes <paramref name="model"/> in place and returns how many MatMuls were rewritten.</summary>
    /// <param name="cancellationToken">Observed between MatMuls (seconds for MiniLM in all); a cancelled call leaves the model half rewritten.</param>
    public static int Quantize(ModelProto model, CancellationToken cancellationToken = default)
    {
        var graph = model.Graph;
        var initializers = graph.Initializer.ToDictionary(t => t.Name);
        var opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
        var nodes = new GraphNodes(graph, opset);
        var rowQuantizer = new RowQuantizer(nodes);
        var rewritten = new List<NodeProto>();
        var replacedWeights = new HashSet<string>();

        foreach (var node in graph.Node)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (node.OpType != "MatMul" || node.Domain is not ("" or "ai.onnx") || node.Input.Count != 2
                || !initializers.TryGetValue(node.Input[1], out var weight)
                || weight.DataType != (int)TensorProto.Types.DataType.Float || weight.Dims.Count != 2)
            {
                rewritten.Add(node);
                continue;
            }
            // The weight's rows are the input's last axis (K), its columns the output's.
            var (inputWidth, columns) = ((int)weight.Dims[0], (int)weight.Dims[1]);
            var quantized = QuantizePerColumn(FloatValues(weight), inputWidth, columns);
            var prefix = weight.Name;
            graph.Initializer.Add(Tensor($"{prefix}_quantized", TensorProto.Types.DataType.Int8, MemoryMarshal.AsBytes(quantized.Values.AsSpan()), inputWidth, columns));
            graph.Initializer.Add(Tensor($"{prefix}_scale", TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(quantized.Scales.AsSpan()), columns));
            replacedWeights.Add(weight.Name);

            // The new nodes go where the MatMul was, so the graph stays in topological order.
            nodes.Target = rewritten;
            var input = rowQuantizer.Quantized(node.Input[0], inputWidth);
            // No bias folded in: the op adds it before the row scale, which it applies last. The model's own bias Add stays.
            nodes.Add("MatMulIntegerToFloat", [input.Values, $"{prefix}_quantized", input.Scales, $"{prefix}_scale", nodes.ZeroPoint(RowQuantizer.ZeroPoint)],
                node.Output[0], ContribDomain);
        }

        graph.Node.Clear();
        graph.Node.AddRange(rewritten);
        // Weights another node still reads (none in a plain transformer export) stay.
        var stillRead = graph.Node.SelectMany(n => n.Input).ToHashSet();
        foreach (var name in replacedWeights.Where(w => !stillRead.Contains(w)))
        {
            graph.Initializer.Remove(initializers[name]);
            var asInput = graph.Input.FirstOrDefault(i => i.Name == name);
            if (asInput is not null)
            {
                graph.Input.Remove(asInput);
            }
        }
        if (replacedWeights.Count > 0 && !model.OpsetImport.Any(o => o.Domain == ContribDomain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = ContribDomain, Version = 1 });
        }
        return replacedWeights.Count;
    }

    /// <summary>
    /// Symmetric int8 per column of a row-major [K, N] weight: scale = max |w| / <see cref="MaxWeight"/> of the column, q = round(w / scale),
    /// so |w − q·scale| ≤ scale / 2. An all-zero column gets scale 1 (its values are 0 either way).
    /// </summary>
    public static (sbyte[] Values, float[] Scales) QuantizePerColumn(ReadOnlySpan<float> weight, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(weight.Length, rows * columns);
        var scales = new float[columns];
        for (var k = 0; k < rows; k++)
        {
            var row = weight.Slice(k * columns, columns);
            for (var n = 0; n < columns; n++)
            {
                scales[n] = Math.Max(scales[n], Math.Abs(row[n]));
            }
        }
        for (var n = 0; n < columns; n++)
        {
            scales[n] = scales[n] > 0 ? scales[n] / MaxWeight : 1f;
        }
        var values = new sbyte[weight.Length];
        for (var i = 0; i < weight.Length; i++)
        {
            values[i] = (sbyte)Math.Clamp(MathF.Round(weight[i] / scales[i % columns]), -MaxWeight, MaxWeight);
        }
        return (values, scales);
    }

    private static float[] FloatValues(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new NotSupportedException($"Weight {tensor.Name} is stored outside the model file; only self-contained models are quantized.");
        }
        return tensor.FloatData.Count > 0 ? [.. tensor.FloatData] : MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
    }

    internal static TensorProto Tensor(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }
}
