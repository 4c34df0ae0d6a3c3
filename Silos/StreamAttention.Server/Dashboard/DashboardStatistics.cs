using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Live;

namespace StreamAttention.Server.Dashboard;

/// <summary>Latency percentiles (ms) over the recent window; null when nothing was measured.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max);

/// <summary>Runs whose batch size was at most <paramref name="UpTo"/> (and above the previous bucket's).</summary>
public sealed record BatchSizeBucket(int UpTo, int Runs);

/// <summary>The ingest's totals; <paramref name="MessagesLost"/>: offsets the broker removed before the ingest read them (one dead letter per gap).</summary>
public sealed record IngestStatistics(bool Publishing, long Messages, long ConsumerLag, long DeadLetters, long MessagesLost, LatencySummary? EndToEndLatency);

/// <summary>
/// The delivery policies' decisions since the silo started, by kind; <see cref="InterruptionsAvoided"/> counts the
/// matches that did not interrupt anyone (every kind but immediate).
/// </summary>
public sealed record AttentionStatistics(IReadOnlyDictionary<string, long> Decisions, long InterruptionsAvoided, long Digests, long Feedback);

public sealed record ModelStatistics(string Model, int Dimension, string ExecutionProvider);

/// <summary>
/// A snapshot of this silo's instruments. Totals count since the silo started, so clients derive rates from
/// successive snapshots; percentiles and the batch-size histogram cover the recent window.
/// </summary>
/// <param name="MessagesIn">Messages from the stream this silo's gateway scored, sent by an ingest in its process or a standalone one.</param>
/// <param name="TextsScoredOnRequest">Texts <c>POST /score</c> had scored on this silo, counted apart from the stream's messages.</param>
/// <param name="MatchesOut">Matches the gateway delivered, of both.</param>
/// <param name="UnknownWords">Words of the texts the gateway embedded (of both) that the model does not know.</param>
/// <param name="TextsWithoutKnownWords">Texts the gateway embedded (of both) with unknown words and no known one: scored as empty.</param>
public sealed record DashboardSnapshot(
    DateTimeOffset At,
    ModelStatistics Model,
    long MessagesIn,
    long TextsScoredOnRequest,
    long MatchesOut,
    long UnknownWords,
    long TextsWithoutKnownWords,
    LatencySummary? ScoringLatency,
    IReadOnlyList<BatchSizeBucket> BatchSizes,
    IngestStatistics Ingest,
    AttentionStatistics Attention,
    bool LiveFeedSubscribed);

/// <summary>
/// Reads this process' own StreamAttention instruments through a <see cref="MeterListener"/>, so the dashboard
/// needs no metrics backend: counters are summed, gauges read on demand, histograms keep a window of recent values.
/// It listens from the host's start, so its totals count everything this silo did.
/// </summary>
public sealed class DashboardStatistics : IHostedService, IDisposable
{
    /// <summary>Upper bounds of the batch-size buckets: powers of two up to the batcher's default maximum, then everything above.</summary>
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, int.MaxValue];

    private static readonly string[] Totals = [InstrumentNames.GatewayMessages, InstrumentNames.GatewayRequestTexts, InstrumentNames.GatewayMatches,
        InstrumentNames.GatewayUnknownWords, InstrumentNames.GatewayTextsWithoutKnownWords, InstrumentNames.IngestMessages, InstrumentNames.IngestDeadLetters, InstrumentNames.IngestConsumerLag,
        InstrumentNames.IngestMessagesLost, InstrumentNames.AttentionDigests, InstrumentNames.AttentionFeedback];
    private static readonly string[] Windows = [InstrumentNames.GatewayDuration, InstrumentNames.IngestLatency, InstrumentNames.BatchSize];

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, Total> _totals = Totals.ToDictionary(n => n, _ => new Total());
    private readonly Dictionary<string, RecentMeasurements> _windows;
    private readonly Tally _decisions = new("kind");
    /// <summary>One snapshot at a time: observation resets and collects the gauges' values.</summary>
    private readonly Lock _gauges = new();
    private readonly ModelInfo _model;
    private readonly MatchBroadcaster _feed;
    private readonly TimeProvider _time;
    private bool _ingestSeen;

    public DashboardStatistics(ModelInfo model, MatchBroadcaster feed, TimeProvider time, IOptions<LiveDashboardOptions> options)
    {
        (_model, _feed, _time) = (model, feed, time);
        _windows = Windows.ToDictionary(n => n, _ => new RecentMeasurements(options.Value.StatisticsWindow, options.Value.StatisticsMaxAge, time));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith(InstrumentNames.Meter, StringComparison.Ordinal))
            {
                return;
            }
            object? state = instrument.Name == InstrumentNames.AttentionDecisions ? _decisions
                : _totals.TryGetValue(instrument.Name, out var total) ? total : _windows.GetValueOrDefault(instrument.Name);
            if (state is not null)
            {
                _ingestSeen |= instrument.Name.StartsWith(InstrumentNames.IngestPrefix, StringComparison.Ordinal);
                listener.EnableMeasurementEvents(instrument, state);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) =>
        {
            if (state is Tally tally)
            {
                tally.Add(value, tags);
            }
            else
            {
                Record(instrument, value, state);
            }
        });
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, state) => Record(instrument, value, state));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, state) => Record(instrument, value, state));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public DashboardSnapshot Snapshot()
    {
        lock (_gauges)
        {
            ObserveAll();
            return Read();
        }
    }

    private DashboardSnapshot Read()
    {
        var batchSizes = _windows[InstrumentNames.BatchSize].Values();
        return new DashboardSnapshot(
            _time.GetUtcNow(),
            new ModelStatistics(_model.Model, _model.Dimension, _model.ExecutionProvider),
            _totals[InstrumentNames.GatewayMessages].Read(),
            _totals[InstrumentNames.GatewayRequestTexts].Read(),
            _totals[InstrumentNames.GatewayMatches].Read(),
            _totals[InstrumentNames.GatewayUnknownWords].Read(),
            _totals[InstrumentNames.GatewayTextsWithoutKnownWords].Read(),
            Summarize(_windows[InstrumentNames.GatewayDuration].Values()),
            BatchBuckets.Select((upTo, i) => new BatchSizeBucket(upTo, batchSizes.Count(v => v <= upTo && (i == 0 || v > BatchBuckets[i - 1])))).ToArray(),
            new IngestStatistics(
                _ingestSeen,
                _totals[InstrumentNames.IngestMessages].Read(),
                _totals[InstrumentNames.IngestConsumerLag].Read(),
                _totals[InstrumentNames.IngestDeadLetters].Read(),
                _totals[InstrumentNames.IngestMessagesLost].Read(),
                Summarize(_windows[InstrumentNames.IngestLatency].Values())),
            AttentionSnapshot(),
            _feed.IsSubscribed);
    }

    public void Dispose() => _listener.Dispose();

    private AttentionStatistics AttentionSnapshot()
    {
        var decisions = _decisions.Read();
        return new AttentionStatistics(decisions, decisions.Where(d => d.Key != DeliveryKinds.Immediate).Sum(d => d.Value),
            _totals[InstrumentNames.AttentionDigests].Read(), _totals[InstrumentNames.AttentionFeedback].Read());
    }

    private static void Record(Instrument instrument, double value, object? state)
    {
        switch (state)
        {
            case Total total when instrument.IsObservable:
                total.Observe(value);
                break;
            case Total total:
                total.Add(value);
                break;
            case RecentMeasurements window:
                window.Add(value);
                break;
        }
    }

    /// <summary>
    /// Observable instruments (e.g. a lag gauge) report only when asked: reset, then collect, their callbacks adding
    /// up their tags' values (e.g. partitions). Plain counters and up-down counters keep their running totals.
    /// </summary>
    private void ObserveAll()
    {
        foreach (var total in _totals.Values)
        {
            total.BeginObservation();
        }
        _listener.RecordObservableInstruments();
    }

    private static LatencySummary? Summarize(double[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }
        Array.Sort(values);
        return new LatencySummary(values.Length, Percentile(values, 0.50), Percentile(values, 0.95), Percentile(values, 0.99), values[^1]);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private sealed class Total
    {
        private readonly Lock _lock = new();
        private double _value;
        private double _observed;
        private bool _observing;

        public void Add(double value)
        {
            lock (_lock)
            {
                _value += value;
            }
        }

        public void BeginObservation()
        {
            lock (_lock)
            {
                (_observed, _observing) = (0, false);
            }
        }

        public void Observe(double value)
        {
            lock (_lock)
            {
                (_observed, _observing) = (_observed + value, true);
            }
        }

        public long Read()
        {
            lock (_lock)
            {
                return (long)Math.Round(_observing ? _observed : _value);
            }
        }
    }

    /// <summary>A counter's running totals by the value of one tag.</summary>
    private sealed class Tally(string tag)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, long> _counts = [];

        public void Add(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = "";
            foreach (var t in tags)
            {
                if (t.Key == tag)
                {
                    key = t.Value?.ToString() ?? "";
                }
            }
            lock (_lock)
            {
                _counts[key] = _counts.GetValueOrDefault(key) + value;
            }
        }

        public IReadOnlyDictionary<string, long> Read()
        {
            lock (_lock)
            {
                return new SortedDictionary<string, long>(_counts, StringComparer.Ordinal);
            }
        }
    }
}
