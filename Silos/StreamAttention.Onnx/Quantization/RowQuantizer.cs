namespace StreamAttention.Onnx.Quantization;

/// <summary>
/// Quantizes a float tensor [..., K] to uint8 row by row at run time, symmetrically: scale s = max |x| / 127 of the row,
/// q = round(x / s) + 128, so x ≈ s (q − 128). The zero point is the same for every row because <c>MatMulIntegerToFloat</c>
/// (and <c>MatMulInteger</c>) take one zero point for the whole input; the scale, per row, it applies to the product.
/// Each input is quantized once however many MatMuls read it (attention's query, key and value).
/// </summary>
internal sealed class RowQuantizer(GraphNodes nodes)
{
    /// <summary>The zero point of every row.</summary>
    public const byte ZeroPoint = 128;

    /// <param name="Values">q [..., K] uint8.</param>
    /// <param name="Scales">s [..., 1] float.</param>
    public sealed record Rows(string Values, string Scales);

    private const float Levels = 127;
    private const float SmallestNormal = 1.17549435e-38f;

    private readonly Dictionary<string, Rows> _quantized = [];

    public Rows Quantized(string input, long width)
    {
        if (_quantized.TryGetValue(input, out var rows))
        {
            return rows;
        }
        var prefix = $"{input}_rows";
        // max |x| from the row's minimum and maximum: two reads, no tensor of magnitudes written.
        var largest = nodes.Add("Max", [nodes.Add("Neg", [nodes.ReduceLastAxis("ReduceMin", input, $"{prefix}_min")], $"{prefix}_negated_min"),
            nodes.ReduceLastAxis("ReduceMax", input, $"{prefix}_max")], $"{prefix}_largest");
        // An all-zero row gets the smallest normal scale, so it quantizes to zeros rather than NaN.
        var scales = nodes.Add("Max", [nodes.Add("Div", [largest, nodes.Scalar("levels", Levels)], $"{prefix}_largest_scale"),
            nodes.Scalar("smallest_scale", SmallestNormal)], $"{prefix}_scale");
        // QuantizeLinear takes one scale (and zero point) per index of one axis: the rows as a matrix [rows, K], then back
        // to the input's shape.
        var flatScales = nodes.Add("Reshape", [scales, nodes.Constant("flat", [-1L])], $"{prefix}_scale_flat");
        var values = nodes.Add("QuantizeLinear",
        [
            nodes.Add("Reshape", [input, nodes.Constant($"matrix_{width}", [-1L, width])], $"{prefix}_matrix"),
            flatScales,
            nodes.Add("Expand", [nodes.ZeroPoint(ZeroPoint), nodes.Add("Shape", [flatScales], $"{prefix}_rows")], $"{prefix}_zero_points"),
        ], $"{prefix}_quantized_matrix", ("axis", 0L));
        rows = new Rows(nodes.Add("Reshape", [values, nodes.Add("Shape", [input], $"{prefix}_shape")], $"{prefix}_quantized"), scales);
        _quantized.Add(input, rows);
        return rows;
    }
}
