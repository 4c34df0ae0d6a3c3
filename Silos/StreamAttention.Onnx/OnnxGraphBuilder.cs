using Google.Protobuf;
using Onnx;

namespace StreamAttention.Onnx;

/// <summary>
/// Builds ONNX models in code (opset 18, IR 8) so the product ships no model files for its own graphs.
/// Dimensions are given as <see cref="int"/>/<see cref="long"/> (fixed) or <see cref="string"/> (symbolic).
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const int OpsetVersion = 18;
    private const long IrVersion = 8;

    private readonly GraphProto _graph;
    private int _autoNameCounter;

    public OnnxGraphBuilder(string graphName) => _graph = new GraphProto { Name = graphName };

    public OnnxGraphBuilder Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    public OnnxGraphBuilder Output(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        _graph.Output.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Adds a float constant tensor and returns its name.</summary>
    public string Constant(string name, ReadOnlySpan<float> values, params long[] dims)
        => Constant(name, TensorProto.Types.DataType.Float, values, dims);

    /// <summary>Adds an int64 constant tensor (shapes, axes, indices) and returns its name.</summary>
    public string Constant(string name, ReadOnlySpan<long> values, params long[] dims)
        => Constant(name, TensorProto.Types.DataType.Int64, values, dims);

    /// <summary>Adds a constant tensor of <paramref name="type"/> holding <paramref name="values"/>' bytes as they are and returns its name.</summary>
    private string Constant<T>(string name, TensorProto.Types.DataType type, ReadOnlySpan<T> values, long[] dims) where T : unmanaged
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a scalar float constant and returns its name.</summary>
    public string Scalar(string name, float value) => Constant(name, [value]);

    /// <summary>Adds a node with a single output; when <paramref name="output"/> is null a unique name is made up.</summary>
    public string Node(string opType, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
        => Node(opType, inputs, [output ?? $"{opType.ToLowerInvariant()}_{_autoNameCounter++}"], attributes)[0];

    public string[] Node(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }
        _graph.Node.Add(node);
        return outputs;
    }

    public ModelProto Build()
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "StreamAttention",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        return model;
    }

    public byte[] ToBytes() => Build().ToByteArray();

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"Dimension '{dim}' must be an int, a long or a symbolic name.", nameof(dims)),
            });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    internal static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case int i: attribute.Type = AttributeProto.Types.AttributeType.Int; attribute.I = i; break;
            case long l: attribute.Type = AttributeProto.Types.AttributeType.Int; attribute.I = l; break;
            case float f: attribute.Type = AttributeProto.Types.AttributeType.Float; attribute.F = f; break;
            case string s: attribute.Type = AttributeProto.Types.AttributeType.String; attribute.S = ByteString.CopyFromUtf8(s); break;
            case long[] ints: attribute.Type = AttributeProto.Types.AttributeType.Ints; attribute.Ints.AddRange(ints); break;
            case float[] floats: attribute.Type = AttributeProto.Types.AttributeType.Floats; attribute.Floats.AddRange(floats); break;
            default: throw new ArgumentException($"Attribute '{name}' has unsupported type {value.GetType().Name}.", nameof(value));
        }
        return attribute;
    }
}
