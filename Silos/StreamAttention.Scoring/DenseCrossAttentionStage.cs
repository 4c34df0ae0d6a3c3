using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Graphs;

namespace StreamAttention.Scoring;

/// <summary>
/// Runs the dense stage-2 graph (a message group × an interest block) on one session created once. The caller sizes a
/// run with <see cref="Prepare"/>, fills <see cref="Keys"/> and <see cref="TokenBias"/>, then runs it once per interest
/// block and reads <see cref="Scores"/>. Buffers are reused across runs; not thread-safe.
/// </summary>
public sealed class DenseCrossAttentionStage : IDisposable
{
    private static readonly string[] InputNames =
    [
        DenseCrossAttentionGraph.Keys, DenseCrossAttentionGraph.TokenBias, DenseCrossAttentionGraph.QueryVectors,
        DenseCrossAttentionGraph.QueryWeights, DenseCrossAttentionGraph.Scale,
    ];
    private static readonly string[] OutputNames = [DenseCrossAttentionGraph.Score];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ReusableBuffer<float> _keys = new();
    private readonly ReusableBuffer<float> _bias = new();
    private readonly ReusableBuffer<float> _scores = new();
    private readonly float[] _scale = new float[1];
    private int _messages, _tokens, _interests;

    public DenseCrossAttentionStage(OnnxSessionFactory sessions, int dimension)
    {
        Dimension = dimension;
        _session = sessions.Create(DenseCrossAttentionGraph.Build(dimension), "dense-cross-attention");
    }

    public int Dimension { get; }

    /// <summary>[messages, tokens, dimension]: unit token vectors, zero rows for padding.</summary>
    public Span<float> Keys => _keys.Array.AsSpan(0, _messages * _tokens * Dimension);

    /// <summary>[messages, tokens]: additive attention prior; padding must be very negative.</summary>
    public Span<float> TokenBias => _bias.Array.AsSpan(0, _messages * _tokens);

    /// <summary>[messages, interests of the last run's block]: attention scores.</summary>
    public ReadOnlySpan<float> Scores => _scores.Array.AsSpan(0, _messages * _interests);

    public void Prepare(int messages, int tokens)
    {
        (_messages, _tokens) = (messages, tokens);
        _keys.Rent(messages * tokens * Dimension);
        _bias.Rent(messages * tokens);
    }

    /// <summary>Scores the prepared messages against a block of interests: [interests, queries, dimension] vectors and [interests, queries] weights.</summary>
    public void Run(ReadOnlyMemory<float> queryVectors, ReadOnlyMemory<float> queryWeights, int interests, int queriesPerInterest, float scale)
    {
        _interests = interests;
        var scores = _scores.Rent(_messages * interests);
        if (_messages == 0 || interests == 0)
        {
            return;
        }
        _scale[0] = scale;
        using var keys = OrtTensors.Over<float>(_keys.Array.AsMemory(0, Keys.Length), _messages, _tokens, Dimension);
        using var bias = OrtTensors.Over<float>(_bias.Array.AsMemory(0, TokenBias.Length), _messages, _tokens);
        using var vectors = OrtTensors.Over(queryVectors, interests, queriesPerInterest, Dimension);
        using var weights = OrtTensors.Over(queryWeights, interests, queriesPerInterest);
        using var scaleValue = OrtTensors.Over<float>(_scale, 1);
        using var output = OrtTensors.Over<float>(scores, _messages, interests);
        _session.Run(_runOptions, InputNames, [keys, bias, vectors, weights, scaleValue], OutputNames, [output]);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
