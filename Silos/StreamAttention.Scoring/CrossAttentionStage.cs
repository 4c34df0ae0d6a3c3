using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Graphs;

namespace StreamAttention.Scoring;

/// <summary>
/// Runs the stage-2 graph on one session created once. The caller sizes a run with <see cref="Prepare"/>, fills
/// <see cref="Keys"/>, <see cref="TokenBias"/> and <see cref="Candidates"/>, calls <see cref="Run"/>, then reads
/// <see cref="Scores"/> and <see cref="Attention"/>. Buffers are reused across runs; not thread-safe.
/// </summary>
public sealed class CrossAttentionStage : IDisposable
{
    private static readonly string[] InputNames =
    [
        CrossAttentionGraph.Keys, CrossAttentionGraph.TokenBias, CrossAttentionGraph.QueryVectors, CrossAttentionGraph.QueryWeights,
        CrossAttentionGraph.Candidates, CrossAttentionGraph.Scale,
    ];
    private static readonly string[] OutputNames = [CrossAttentionGraph.Score, CrossAttentionGraph.Attention];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ReusableBuffer<float> _keys = new();
    private readonly ReusableBuffer<float> _bias = new();
    private readonly ReusableBuffer<long> _candidates = new();
    private readonly ReusableBuffer<float> _scores = new();
    private readonly ReusableBuffer<float> _attention = new();
    private readonly float[] _scale = new float[1];
    private readonly int _dimension;
    private int _messages, _tokens, _candidateSlots, _queries;

    public CrossAttentionStage(OnnxSessionFactory sessions, int dimension)
    {
        _dimension = dimension;
        _session = sessions.Create(CrossAttentionGraph.Build(dimension), "cross-attention", OnnxSessionRole.ScoringGraph);
    }

    public int Dimension => _dimension;

    /// <summary>[messages, tokens, dimension]: unit token vectors, zero rows for padding.</summary>
    public Span<float> Keys => _keys.Array.AsSpan(0, _messages * _tokens * _dimension);

    /// <summary>[messages, tokens]: additive attention prior; padding must be very negative.</summary>
    public Span<float> TokenBias => _bias.Array.AsSpan(0, _messages * _tokens);

    /// <summary>[messages, candidate slots]: interest row per slot (unused slots may point anywhere valid).</summary>
    public Span<long> Candidates => _candidates.Array.AsSpan(0, _messages * _candidateSlots);

    /// <summary>[messages, candidate slots]: cos(q, attention·K).</summary>
    public ReadOnlySpan<float> Scores => _scores.Array.AsSpan(0, _messages * _candidateSlots);

    /// <summary>[messages, candidate slots × queries per interest, tokens]: attention weights of every query vector.</summary>
    public ReadOnlySpan<float> Attention => _attention.Array.AsSpan(0, _messages * _candidateSlots * _queries * _tokens);

    public void Prepare(int messages, int tokens, int candidateSlots, int queriesPerInterest)
    {
        (_messages, _tokens, _candidateSlots, _queries) = (messages, tokens, candidateSlots, queriesPerInterest);
        var dimension = _dimension;
        _keys.Rent(messages * tokens * dimension);
        _bias.Rent(messages * tokens);
        _candidates.Rent(messages * candidateSlots);
        _scores.Rent(messages * candidateSlots);
        _attention.Rent(messages * candidateSlots * queriesPerInterest * tokens);
    }

    /// <summary>Runs on interests given as [interestCount, queriesPerInterest, dimension] vectors and [interestCount, queriesPerInterest] weights.</summary>
    public void Run(ReadOnlyMemory<float> queryVectors, ReadOnlyMemory<float> queryWeights, int interestCount, int queriesPerInterest, float scale)
    {
        if (queriesPerInterest != _queries)
        {
            throw new ArgumentException($"Prepared for {_queries} queries per interest, not {queriesPerInterest}.", nameof(queriesPerInterest));
        }
        if (_messages == 0 || _candidateSlots == 0)
        {
            return;
        }
        _scale[0] = scale;
        using var keys = OrtTensors.Over<float>(_keys.Array.AsMemory(0, Keys.Length), _messages, _tokens, _dimension);
        using var bias = OrtTensors.Over<float>(_bias.Array.AsMemory(0, TokenBias.Length), _messages, _tokens);
        using var vectors = OrtTensors.Over(queryVectors, interestCount, queriesPerInterest, _dimension);
        using var weights = OrtTensors.Over(queryWeights, interestCount, queriesPerInterest);
        using var candidates = OrtTensors.Over<long>(_candidates.Array.AsMemory(0, Candidates.Length), _messages, _candidateSlots);
        using var scaleValue = OrtTensors.Over<float>(_scale, 1);
        using var scores = OrtTensors.Over<float>(_scores.Array.AsMemory(0, Scores.Length), _messages, _candidateSlots);
        using var attention = OrtTensors.Over<float>(_attention.Array.AsMemory(0, Attention.Length), _messages, _candidateSlots * _queries, _tokens);
        _session.Run(_runOptions, InputNames, [keys, bias, vectors, weights, candidates, scaleValue], OutputNames, [scores, attention]);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
