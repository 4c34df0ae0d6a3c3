using System.Numerics.Tensors;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// A bounded uniform sample (reservoir sampling) of the embedded messages scored so far: the stream's background, that
/// each interest's raw scores are measured against. Its <see cref="Generation"/> advances every
/// <paramref name="refreshMessages"/> messages seen, which marks every interest's statistics stale. Not thread-safe:
/// its one user (<see cref="ScoreCalibrator"/>) runs under the scorer's lock.
/// A message of which the sample holds <see cref="MaxNearDuplicates"/> near-duplicates already is left out: a burst of
/// one templated alert (an incident's storm, a cycled demo stream) would otherwise fill the background, and an
/// interest on that very topic, measured then, would find its own matches ordinary (an interest added mid-incident
/// matched 1 of 40 alerts that the same interest added before it matched 40 of).
/// </summary>
public sealed class BackgroundSample(int capacity, int refreshMessages, int seed = 17)
{
    /// <summary>Near-duplicates of one message the sample may hold: enough for a small stream's repeats to reach the minimum sample.</summary>
    public const int MaxNearDuplicates = 4;

    /// <summary>Cosine of pooled vectors at and above which two messages are near-duplicates (templated alerts differing in a host or a number).</summary>
    public const float NearDuplicateCosine = 0.9f;

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
                if (NearDuplicates(messages.PooledVector(m), replacing: -1) < MaxNearDuplicates)
                {
                    _messages.Add(messages.Row(m));
                    _batch = null;
                }
            }
            else if (_random.NextInt64(Seen) is var slot && slot < capacity && NearDuplicates(messages.PooledVector(m), (int)slot) < MaxNearDuplicates)
            {
                _messages[(int)slot] = messages.Row(m);
                _batch = null;
            }
        }
    }

    /// <summary>The sampled messages (but the one in slot <paramref name="replacing"/>) that are near-duplicates of <paramref name="pooled"/>.</summary>
    private int NearDuplicates(ReadOnlySpan<float> pooled, int replacing)
    {
        var found = 0;
        for (var i = 0; i < _messages.Count && found < MaxNearDuplicates; i++)
        {
            if (i != replacing && TensorPrimitives.CosineSimilarity(pooled, _messages[i].Pooled) >= NearDuplicateCosine)
            {
                found++;
            }
        }
        return found;
    }

    /// <summary>The sampled messages as one batch (rebuilt only after the sample changed).</summary>
    public TokenBatch Batch() => _batch ??= TokenBatch.FromRows(_messages, _dimension);
}
