using Onnx;

namespace StreamAttention.Onnx.Quantization;

/// <summary>Appends nodes to the list a graph rewrite builds and constants to its graph, in the forms of the model's opset.</summary>
internal sealed class GraphNodes
{
    /// <summary>The oldest opset whose forms these nodes use (QuantizeLinear's axis, for a scale per row).</summary>
    public const long MinimumOpset = 13;

    private const long AxesAsInputOpset = 18;

    private readonly GraphProto _graph;
    private readonly long _opset;
    private readonly HashSet<string> _constants = [];

    public GraphNodes(GraphProto graph, long opset)
    {
        if (opset < MinimumOpset)
        {
            throw new NotSupportedException($"The model imports opset {opset}; only opset {MinimumOpset} or later is rewritten.");
        }
        _graph = graph;
        _opset = opset;
    }

    /// <summary>The list new nodes go to.</summary>
    public List<NodeProto> Target { get; set; } = [];

    /// <summary>Adds a node of another domain with one output, named after it, and returns the output's name.</summary>
    public string Add(string opType, string[] inputs, string output, string domain)
    {
        Add(opType, inputs, output);
        Target[^1].Domain = domain;
        return output;
    }

    /// <summary>Adds a node with one output, named after it, and returns the output's name.</summary>
    public string Add(string opType, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(OnnxGraphBuilder.Attribute(name, value));
        }
        Target.Add(node);
        return output;
    }

    /// <summary>A reduction over the last axis that keeps it (size 1), so its result broadcasts against the rows; its axes an input from opset 18.</summary>
    public string ReduceLastAxis(string opType, string input, string output) => _opset >= AxesAsInputOpset
        ? Add(opType, [input, Constant("last_axis", [-1L])], output, ("keepdims", 1L))
        : Add(opType, [input], output, ("axes", new[] { -1L }), ("keepdims", 1L));

    /// <summary>A float scalar constant, added once per graph.</summary>
    public string Scalar(string name, float value) => Constant(name, TensorProto.Types.DataType.Float, BitConverter.GetBytes(value));

    /// <summary>A uint8 scalar constant (a zero point), added once per graph.</summary>
    public string ZeroPoint(byte value) => Constant($"zero_point_{value}", TensorProto.Types.DataType.Uint8, [value]);

    /// <summary>An int64 vector constant (a shape), added once per graph.</summary>
    public string Constant(string name, long[] values) =>
        Constant(name, TensorProto.Types.DataType.Int64, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), values.Length);

    private string Constant(string name, TensorProto.Types.DataType type, byte[] data, params long[] dims)
    {
        var fullName = $"row_quantization_{name}";
        if (_constants.Add(fullName))
        {
            _graph.Initializer.Add(DynamicMatMulQuantizer.Tensor(fullName, type, data, dims));
        }
        return fullName;
    }
}
