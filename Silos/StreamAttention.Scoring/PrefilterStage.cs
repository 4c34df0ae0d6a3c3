using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Graphs;

namespace StreamAttention.Scoring;

/// <summary>Runs the stage-1 graph on one session created once; not thread-safe (it reuses its output buffer).</summary>
public sealed class PrefilterStage : IDisposable
{
    private static readonly string[] InputNames = [PrefilterGraph.Messages, PrefilterGraph.Interests];
    private static readonly string[] OutputNames = [PrefilterGraph.Similarity];
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ReusableBuffer<float> _similarity = new();

    public PrefilterStage(OnnxSessionFactory sessions) => _session = sessions.Create(PrefilterGraph.Build(), "prefilter", OnnxSessionRole.ScoringGraph);

    /// <summary>Cosines [messageCount, interestCount], valid until the next call.</summary>
    public ReadOnlyMemory<float> Run(ReadOnlyMemory<float> messages, int messageCount, ReadOnlyMemory<float> interests, int interestCount, int dimension)
    {
        var output = _similarity.Rent(messageCount * interestCount);
        if (messageCount == 0 || interestCount == 0)
        {
            return output;
        }
        using var messageValue = OrtTensors.Over(messages, messageCount, dimension);
        using var interestValue = OrtTensors.Over(interests, interestCount, dimension);
        using var outputValue = OrtTensors.Over<float>(output, messageCount, interestCount);
        _session.Run(_runOptions, InputNames, [messageValue, interestValue], OutputNames, [outputValue]);
        return output;
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
