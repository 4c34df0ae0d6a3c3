using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The silo's only user of its ONNX scorer. Shards on the silo publish their indexes here; their concatenation, the
/// silo index, is rebuilt only after a shard publishes a new one. Every shard receives every message batch, so the
/// first shard request of a batch queues the batch, one run scores it against the silo index, and each co-located
/// shard takes its slice of the result, whenever its request arrives. A shard whose request carries an index other
/// than the one the run used (it changed meanwhile), and a request for one user, are scored alone.
/// Dynamic batching as in Triton: a run takes up to <see cref="DynamicBatchingOptions.MaxBatchSize"/> queued
/// requests, waiting at most <see cref="DynamicBatchingOptions.MaxQueueDelay"/> after the first for more; the
/// message batches among them are concatenated into one run. Requests queue while a run is busy, so under load runs
/// grow by themselves even with no delay.
/// </summary>
public sealed class ShardScoringBatcher(
    TwoStageScorer scorer,
    ITextEmbedder embedder,
    IOptions<DynamicBatchingOptions> options,
    IOptions<ScoringOptions> scoring,
    BatchingInstruments metrics) : BackgroundService
{
    /// <summary>How long a run's slices wait for shards that have not asked yet (a shard that moved away never will).</summary>
    private static readonly TimeSpan SliceLifetime = TimeSpan.FromSeconds(10);

    private readonly Channel<Queued> _queue = Channel.CreateUnbounded<Queued>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, SharedRequest> _batches = [];
    private readonly Dictionary<long, InterestIndex> _published = [];
    private long _publishedVersion;
    private SiloIndex? _siloIndex;

    public void Publish(long shard, InterestIndex index)
    {
        lock (_lock)
        {
            _published[shard] = index;
            _publishedVersion++;
        }
    }

    public void Withdraw(long shard)
    {
        lock (_lock)
        {
            if (_published.Remove(shard))
            {
                _publishedVersion++;
            }
        }
    }

    /// <summary>The pairs of the request's messages and <paramref name="index"/> (the shard's published index) that reach their thresholds.</summary>
    public Task<List<RowMatch>> ScoreAsync(long shard, ShardScoreRequest request, InterestIndex index)
    {
        lock (_lock)
        {
            if (!_batches.TryGetValue(request.BatchId, out var batch))
            {
                batch = new SharedRequest(request.BatchId, request.Messages);
                _batches[request.BatchId] = batch;
                Enqueue(batch);
            }
            if (batch.Slices is null)
            {
                var waiter = new Waiter(shard, index);
                batch.Waiters.Add(waiter);
                return waiter.Completion.Task;
            }
            if (TakeSlice(batch, shard, index) is { } pairs)
            {
                return Task.FromResult(pairs);
            }
        }
        return ScoreAloneAsync(request.Messages, index);
    }

    /// <summary>Scores <paramref name="messages"/> against <paramref name="index"/> in a run of its own.</summary>
    public Task<List<RowMatch>> ScoreAloneAsync(IReadOnlyList<EmbeddedText> messages, InterestIndex index)
    {
        var alone = new AloneRequest(messages, index, new TaskCompletionSource<List<RowMatch>>(TaskCreationOptions.RunContinuationsAsynchronously));
        Enqueue(alone);
        return alone.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Queued>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await CollectAsync(batch, stoppingToken);
                var started = Stopwatch.GetTimestamp();
                foreach (var queued in batch)
                {
                    metrics.QueueDelay.Record(Stopwatch.GetElapsedTime(queued.Enqueued, started).TotalMilliseconds);
                }
                var shared = batch.OfType<SharedRequest>().ToArray();
                if (shared.Length > 0)
                {
                    RunShared(shared);
                }
                foreach (var alone in batch.OfType<AloneRequest>())
                {
                    RunAlone(alone);
                }
                batch.Clear();
                EvictOldSlices();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _queue.Writer.TryComplete();
        lock (_lock)
        {
            foreach (var waiter in _batches.Values.SelectMany(b => b.Waiters))
            {
                waiter.Completion.TrySetCanceled();
            }
        }
        foreach (var alone in batch.Concat(_queue.Reader.ReadAllAsync().ToBlockingEnumerable()).OfType<AloneRequest>())
        {
            alone.Completion.TrySetCanceled();
        }
    }

    private void Enqueue(Queued queued)
    {
        if (!_queue.Writer.TryWrite(queued))
        {
            throw new InvalidOperationException("The silo is shutting down: scoring stopped.");
        }
    }

    private async Task CollectAsync(List<Queued> batch, CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        long deadline = 0;
        while (batch.Count < options.Value.MaxBatchSize)
        {
            if (reader.TryRead(out var queued))
            {
                batch.Add(queued);
                if (batch.Count == 1)
                {
                    deadline = queued.Enqueued + (long)(options.Value.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
                }
                continue;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(remaining);
            try
            {
                await reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>The message batches' messages together against the silo index, then each shard's slice per batch.</summary>
    private void RunShared(SharedRequest[] batches)
    {
        var alone = new List<AloneRequest>();
        try
        {
            var silo = CurrentSiloIndex();
            var messageStarts = Starts(batches.Select(b => b.Messages!.Count));
            var slices = batches.Select(_ => silo.Shards.ToDictionary(shard => shard, _ => new List<RowMatch>())).ToArray();
            if (silo.Index.Count > 0)
            {
                var messages = TokenBatch.FromRows(batches.SelectMany(b => b.Messages!).ToArray(), embedder.Dimension);
                foreach (var pair in scorer.Score(messages, silo.Index))
                {
                    var (b, part) = (PartOf(messageStarts, pair.MessageIndex), PartOf(silo.Starts, pair.InterestIndex));
                    slices[b][silo.Shards[part]].Add(pair with { MessageIndex = pair.MessageIndex - messageStarts[b], InterestIndex = pair.InterestIndex - silo.Starts[part] });
                }
            }
            metrics.BatchSize.Record(batches.Length);
            metrics.BatchInterests.Record(silo.Index.Count);
            lock (_lock)
            {
                for (var b = 0; b < batches.Length; b++)
                {
                    var batch = batches[b];
                    (batch.Slices, batch.Parts, batch.Completed) = (slices[b], silo.Parts, Stopwatch.GetTimestamp());
                    foreach (var waiter in batch.Waiters)
                    {
                        if (TakeSlice(batch, waiter.Shard, waiter.Index) is { } pairs)
                        {
                            waiter.Completion.TrySetResult(pairs);
                        }
                        else
                        {
                            alone.Add(new AloneRequest(batch.Messages!, waiter.Index, waiter.Completion));
                        }
                    }
                    batch.Waiters.Clear();
                    // Late shards find their slices without the messages; only a shard scored alone needs them.
                    batch.Messages = null;
                }
            }
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                foreach (var batch in batches)
                {
                    _batches.Remove(batch.Id);
                    foreach (var waiter in batch.Waiters)
                    {
                        waiter.Completion.TrySetException(e);
                    }
                }
            }
        }
        foreach (var request in alone)
        {
            RunAlone(request);
        }
    }

    private void RunAlone(AloneRequest request)
    {
        try
        {
            var pairs = scorer.Score(TokenBatch.FromRows(request.Messages, embedder.Dimension), request.Index);
            metrics.BatchSize.Record(1);
            metrics.BatchInterests.Record(request.Index.Count);
            metrics.ShardRequests.Add(1, new KeyValuePair<string, object?>("run", "alone"));
            request.Completion.TrySetResult(pairs);
        }
        catch (Exception e)
        {
            request.Completion.TrySetException(e);
        }
    }

    /// <summary>The shard's slice of a finished run, if the run used the very index the shard asks about; under the lock.</summary>
    private List<RowMatch>? TakeSlice(SharedRequest batch, long shard, InterestIndex index)
    {
        if (batch.Parts!.TryGetValue(shard, out var used) && ReferenceEquals(used, index) && batch.Slices!.Remove(shard, out var pairs))
        {
            metrics.ShardRequests.Add(1, new KeyValuePair<string, object?>("run", "shared"));
            return pairs;
        }
        return null;
    }

    private SiloIndex CurrentSiloIndex()
    {
        long version;
        KeyValuePair<long, InterestIndex>[] parts;
        lock (_lock)
        {
            if (_siloIndex?.Version == _publishedVersion)
            {
                return _siloIndex;
            }
            version = _publishedVersion;
            parts = _published.Where(p => p.Value.Count > 0).OrderBy(p => p.Key).ToArray();
        }
        // Built outside the lock: the copy of all the silo's interests must not hold up shards' requests.
        var indexes = parts.Select(p => p.Value).ToArray();
        var combined = indexes.Length == 1 ? indexes[0] : InterestIndex.Concat(indexes, embedder.Dimension, scoring.Value);
        var silo = new SiloIndex(version, combined, parts.Select(p => p.Key).ToArray(), Starts(indexes.Select(i => i.Count)), parts.ToDictionary());
        lock (_lock)
        {
            if (_publishedVersion == version)
            {
                _siloIndex = silo;
            }
        }
        return silo;
    }

    private void EvictOldSlices()
    {
        lock (_lock)
        {
            foreach (var (id, batch) in _batches.Where(b => b.Value.Slices is { } slices
                && (slices.Count == 0 || Stopwatch.GetElapsedTime(b.Value.Completed) > SliceLifetime)).ToArray())
            {
                _batches.Remove(id);
            }
        }
    }

    private static int[] Starts(IEnumerable<int> counts)
    {
        var starts = new List<int>();
        var total = 0;
        foreach (var count in counts)
        {
            starts.Add(total);
            total += count;
        }
        return starts.ToArray();
    }

    /// <summary>The last part starting at or before <paramref name="position"/>.</summary>
    private static int PartOf(int[] starts, int position)
    {
        int low = 0, high = starts.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (starts[middle] <= position)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }
        return low;
    }

    private abstract class Queued
    {
        public long Enqueued { get; } = Stopwatch.GetTimestamp();
    }

    /// <summary>A message batch for every shard of the silo; after its run, the slices shards have not taken yet.</summary>
    private sealed class SharedRequest(Guid id, IReadOnlyList<EmbeddedText> messages) : Queued
    {
        public Guid Id => id;

        public IReadOnlyList<EmbeddedText>? Messages { get; set; } = messages;

        public List<Waiter> Waiters { get; } = [];

        public Dictionary<long, List<RowMatch>>? Slices { get; set; }

        public IReadOnlyDictionary<long, InterestIndex>? Parts { get; set; }

        public long Completed { get; set; }
    }

    private sealed class AloneRequest(IReadOnlyList<EmbeddedText> messages, InterestIndex index, TaskCompletionSource<List<RowMatch>> completion) : Queued
    {
        public IReadOnlyList<EmbeddedText> Messages => messages;

        public InterestIndex Index => index;

        public TaskCompletionSource<List<RowMatch>> Completion => completion;
    }

    private sealed record Waiter(long Shard, InterestIndex Index)
    {
        public TaskCompletionSource<List<RowMatch>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record SiloIndex(long Version, InterestIndex Index, long[] Shards, int[] Starts, IReadOnlyDictionary<long, InterestIndex> Parts);
}
