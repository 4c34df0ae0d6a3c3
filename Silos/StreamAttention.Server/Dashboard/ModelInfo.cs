using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;

namespace StreamAttention.Server.Dashboard;

/// <summary>
/// The embedding model and the ONNX execution provider this process scores with, as gauge
/// <c>streamattention.model.info</c> (value 1, tags model, dimension, execution_provider) in the style of Prometheus
/// "info" metrics. Resolving it loads the embedder.
/// </summary>
public sealed class ModelInfo
{
    private readonly OnnxSessionFactory _sessions;

    public ModelInfo(ITextEmbedder embedder, OnnxSessionFactory sessions, IMeterFactory meters)
    {
        (Model, Dimension, _sessions) = (embedder.Name, embedder.Dimension, sessions);
        meters.Create(InstrumentNames.Meter).CreateObservableGauge(InstrumentNames.ModelInfo, () => new Measurement<int>(1,
            new KeyValuePair<string, object?>("model", Model),
            new KeyValuePair<string, object?>("dimension", Dimension),
            new KeyValuePair<string, object?>("execution_provider", ExecutionProvider)),
            description: "The embedding model and ONNX execution provider in use (always 1; the tags carry the information)");
    }

    public string Model { get; }

    public int Dimension { get; }

    /// <summary>The provider the ONNX sessions actually got: "CPU" when CUDA was asked for but could not be loaded.</summary>
    public string ExecutionProvider => _sessions.ActiveProvider;
}
