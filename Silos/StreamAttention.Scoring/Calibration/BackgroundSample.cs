using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// A bounded uniform sample (reservoir sampling) of the embedded messages scored so far: the stream's background, that
/// each interest's raw scores are measured against. Its <see cref="Generation"/> advances every
/// <paramref name="refreshMessages"/> messages seen, which marks every interest's statistics stale. Not thread-safe:
/// its one user (<see cref="ScoreCalibrator"/>) runs under the scorer's lock.
/// </summary>
public sealed class BackgroundSample(int capacity, int refreshMessages, int seed = 17)
{
    private readonly List<EmbeddedText> _messages = new(capacity);
    private readonly Random _random = new(seed);
    private TokenBatch? _batch;
    private int _dimension;

    public int Capacity => capacity;

    public int Count => _messages.Count;

    /// <summary>Messages seen, sampled or not.</summary>
    public long Seen { get; private set; }

    public long Generation => Seen / refreshMessages;

    /// <summary>
    /// Offers every message of <paramref name="messages"/> to the sample: a text cut into windows by its first window
    /// only, so a long text counts once, as a message; messages without a known word are skipped (they say nothing of
    /// the stream's topics).
    /// </summary>
    public void Add(TokenBatch messages)
    {
        _dimension = messages.Dimension;
        for (var m = 0; m < messages.Count; m++)
        {
            if (messages.TokenCount(m) == 0 || messages.LaterWindow[m])
            {
                continue;
            }
            Seen++;
            if (_messages.Count < capacity)
            {
                _messages.Add(messages.Row(m));
                _batch = null;
            }
            else if (_random.NextInt64(Seen) is var slot && slot < capacity)
            {
                _messages[(int)slot] = messages.Row(m);
                _batch = null;
            }
        }
    }

    /// <summary>The sampled messages as one batch (rebuilt only after the sample changed).</summary>
    public TokenBatch Batch() => _batch ??= TokenBatch.FromRows(_messages, _dimension);
}
