using Microsoft.ML.OnnxRuntime;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Graphs;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Runs <see cref="SharedWordAttentionGraph"/> on one session created once. The caller sizes a run with
/// <see cref="Prepare"/>, fills <see cref="Keys"/>, <see cref="TokenBias"/> and <see cref="Words"/> (or gives word vectors
/// of its own to <see cref="Run(float, ReadOnlyMemory{float})"/>), runs, then reads <see cref="Scores"/>. Buffers are
/// reused across runs; not thread-safe.
/// </summary>
public sealed class SharedWordAttentionStage : IDisposable
{
    private static readonly string[] InputNames = [SharedWordAttentionGraph.Keys, SharedWordAttentionGraph.TokenBias, SharedWordAttentionGraph.Words, SharedWordAttentionGraph.Scale];
    private static readonly string[] OutputNames = [SharedWordAttentionGraph.Score];

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly ReusableBuffer<float> _keys = new();
    private readonly ReusableBuffer<float> _bias = new();
    private readonly ReusableBuffer<float> _words = new();
    private readonly ReusableBuffer<float> _scores = new();
    private readonly float[] _scale = new float[1];
    private int _messages, _tokens, _wordCount;

    public SharedWordAttentionStage(OnnxSessionFactory sessions, int dimension)
    {
        Dimension = dimension;
        _session = sessions.Create(SharedWordAttentionGraph.Build(dimension), "shared-word-attention", OnnxSessionRole.ScoringGraph);
    }

    public int Dimension { get; }

    /// <summary>[messages, tokens, dimension]: unit token vectors, zero rows for padding.</summary>
    public Span<float> Keys => _keys.Array.AsSpan(0, _messages * _tokens * Dimension);

    /// <summary>[messages, tokens]: additive attention prior; padding must be very negative.</summary>
    public Span<float> TokenBias => _bias.Array.AsSpan(0, _messages * _tokens);

    /// <summary>[words, dimension]: unit query vectors (the stage's own buffer, for <see cref="Run(float)"/>).</summary>
    public Span<float> Words => _words.Rent(_wordCount * Dimension).Span;

    /// <summary>[messages, words]: cos(q, attention·K).</summary>
    public ReadOnlySpan<float> Scores => _scores.Array.AsSpan(0, _messages * _wordCount);

    public void Prepare(int messages, int tokens, int words)
    {
        (_messages, _tokens, _wordCount) = (messages, tokens, words);
        _keys.Rent(messages * tokens * Dimension);
        _bias.Rent(messages * tokens);
        _scores.Rent(messages * words);
    }

    /// <summary>Runs over the stage's <see cref="Words"/>.</summary>
    public void Run(float scale) => Run(scale, _words.Rent(_wordCount * Dimension));

    /// <summary>Runs over <paramref name="wordVectors"/> ([words, dimension] as prepared), read in place: no copy into <see cref="Words"/>.</summary>
    public void Run(float scale, ReadOnlyMemory<float> wordVectors)
    {
        if (wordVectors.Length != _wordCount * Dimension)
        {
            throw new ArgumentException($"Expected {_wordCount} word vectors of dimension {Dimension}.", nameof(wordVectors));
        }
        if (_messages == 0 || _wordCount == 0)
        {
            return;
        }
        _scale[0] = scale;
        using var keys = OrtTensors.Over<float>(_keys.Array.AsMemory(0, Keys.Length), _messages, _tokens, Dimension);
        using var bias = OrtTensors.Over<float>(_bias.Array.AsMemory(0, TokenBias.Length), _messages, _tokens);
        using var words = OrtTensors.Over(wordVectors, _wordCount, Dimension);
        using var scaleValue = OrtTensors.Over<float>(_scale, 1);
        using var scores = OrtTensors.Over<float>(_scores.Array.AsMemory(0, Scores.Length), _messages, _wordCount);
        _session.Run(_runOptions, InputNames, [keys, bias, words, scaleValue], OutputNames, [scores]);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
