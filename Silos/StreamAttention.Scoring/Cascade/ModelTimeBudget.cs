namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// The cascade's budget under load (<see cref="Options.ScoringOptions.CascadeMaxModelTimeShare"/>): the contextual
/// model's runs may take on average at most that share of wall time. A bucket of model time fills at share × elapsed
/// time, up to share × <see cref="Options.ScoringOptions.CascadeModelTimeWindow"/>, and starts full; each run takes
/// the messages its estimate of a message's model time lets the bucket pay for, and pays what the run really took. So a
/// stream the model keeps up with is rescored in full, a burst shorter than the window too, and sustained overload
/// leaves the messages over budget to their fast scores instead of falling behind. A share of 0 is no limit.
/// Concurrent runs reserve their estimate when they start, so they cannot all spend the same time. Thread-safe.
/// </summary>
public sealed class ModelTimeBudget
{
    /// <summary>Weight of the latest run in the estimate of a message's model time (smooths one slow run).</summary>
    private const double EstimateWeight = 0.2;

    private readonly double _share;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private double _available;
    private long _filledAt;
    private double _secondsPerMessage = double.NaN;

    public ModelTimeBudget(double share, TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(share);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _share = share;
        _capacity = share * window.TotalSeconds;
        _time = time;
        _available = _capacity;
        _filledAt = time.GetTimestamp();
    }

    public bool Limits => _share > 0;

    /// <summary>Model seconds the bucket holds now (negative: a run took more than its reservation).</summary>
    public double AvailableSeconds
    {
        get
        {
            lock (_lock)
            {
                Fill();
                return _available;
            }
        }
    }

    /// <summary>Whether a run starting now could send no message through the model: the bucket holds no time.</summary>
    public bool IsEmpty => Limits && AvailableSeconds <= 0;

    /// <summary>
    /// How many of <paramref name="wanted"/> messages a run may send through the model now, and the model time reserved
    /// for them (pass it to <see cref="Settle"/>). While the bucket holds any time a run may send at least one message;
    /// before any run was measured, all it wants.
    /// </summary>
    public int Take(int wanted, out double reservedSeconds)
    {
        reservedSeconds = 0;
        if (!Limits || wanted == 0)
        {
            return wanted;
        }
        lock (_lock)
        {
            Fill();
            if (_available <= 0)
            {
                return 0;
            }
            if (double.IsNaN(_secondsPerMessage))
            {
                return wanted;
            }
            var allowed = (int)Math.Min(wanted, Math.Ceiling(_available / _secondsPerMessage));
            reservedSeconds = allowed * _secondsPerMessage;
            _available -= reservedSeconds;
            return allowed;
        }
    }

    /// <summary>A run that <see cref="Take"/> allowed took <paramref name="took"/> for <paramref name="messages"/> messages.</summary>
    public void Settle(double reservedSeconds, TimeSpan took, int messages)
    {
        if (!Limits || messages == 0)
        {
            return;
        }
        lock (_lock)
        {
            Fill();
            _available = Math.Min(_capacity, _available + reservedSeconds - took.TotalSeconds);
            var perMessage = took.TotalSeconds / messages;
            _secondsPerMessage = double.IsNaN(_secondsPerMessage) ? perMessage : _secondsPerMessage + EstimateWeight * (perMessage - _secondsPerMessage);
        }
    }

    private void Fill()
    {
        var now = _time.GetTimestamp();
        _available = Math.Min(_capacity, _available + _share * _time.GetElapsedTime(_filledAt, now).TotalSeconds);
        _filledAt = now;
    }
}
