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
/// The silo's only user of its ONNX scorer, with dynamic batching: shard requests queue, and a batch starts when
/// <see cref="DynamicBatchingOptions.MaxBatchSize"/> wait or the first has waited <see cref="DynamicBatchingOptions.MaxQueueDelay"/>.
/// Requests carrying the same message batch (the copies co-located shards received) are scored in one run over their
/// indexes concatenated; the concatenation is cached while the shards' indexes stay the same, so steady-state
/// scoring copies nothing. Different message batches in one queue batch run one after the other.
/// </summary>
public sealed class ShardScoringBatcher(
    TwoStageScorer scorer,
    ITextEmbedder embedder,
    IOptions<DynamicBatchingOptions> options,
    IOptions<ScoringOptions> scoring,
    ScoringMetrics metrics) : BackgroundService
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private (InterestIndex[] Parts, InterestIndex Combined)? _combined;

    /// <summary>The pairs of <paramref name="request"/>'s messages and <paramref name="index"/> that reach their thresholds.</summary>
    public Task<List<ScoredPair>> ScoreAsync(ShardScoreRequest request, InterestIndex index)
    {
        var pending = new Pending(request, index, Stopwatch.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The silo is shutting down: scoring stopped.");
        }
        return pending.Completion.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                await CollectAsync(batch, stoppingToken);
                foreach (var group in batch.GroupBy(p => p.Request.BatchId))
                {
                    Run(group.ToArray());
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        _queue.Writer.TryComplete();
        foreach (var pending in batch.Concat(_queue.Reader.ReadAllAsync().ToBlockingEnumerable()))
        {
            pending.Completion.TrySetCanceled();
        }
    }

    private async Task CollectAsync(List<Pending> batch, CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var maxSize = options.Value.MaxBatchSize;
        long deadline = 0;
        while (batch.Count < maxSize)
        {
            if (reader.TryRead(out var pending))
            {
                batch.Add(pending);
                if (batch.Count == 1)
                {
                    deadline = pending.Enqueued + (long)(options.Value.MaxQueueDelay.TotalSeconds * Stopwatch.Frequency);
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

    private void Run(Pending[] group)
    {
        var started = Stopwatch.GetTimestamp();
        foreach (var pending in group)
        {
            metrics.QueueDelay.Record(Stopwatch.GetElapsedTime(pending.Enqueued, started).TotalMilliseconds);
        }
        try
        {
            var messages = TokenBatch.FromRows(group[0].Request.Messages, embedder.Dimension);
            var combined = Combine(group.Select(p => p.Index).ToArray());
            metrics.BatchSize.Record(group.Length);
            metrics.BatchInterests.Record(combined.Count);
            var results = Split(scorer.Score(messages, combined), group);
            for (var i = 0; i < group.Length; i++)
            {
                group[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var pending in group)
            {
                pending.Completion.TrySetException(e);
            }
        }
    }

    private InterestIndex Combine(InterestIndex[] parts)
    {
        if (parts.Length == 1)
        {
            return parts[0];
        }
        if (_combined is { } cached && cached.Parts.SequenceEqual(parts, ReferenceEqualityComparer.Instance))
        {
            return cached.Combined;
        }
        var combined = InterestIndex.Concat(parts, embedder.Dimension, scoring.Value);
        _combined = (parts, combined);
        return combined;
    }

    /// <summary>The pairs of the combined run, handed back to each request with its own interest indices.</summary>
    private static List<ScoredPair>[] Split(List<ScoredPair> pairs, Pending[] group)
    {
        var starts = new int[group.Length];
        for (var i = 1; i < group.Length; i++)
        {
            starts[i] = starts[i - 1] + group[i - 1].Index.Count;
        }
        var results = group.Select(_ => new List<ScoredPair>()).ToArray();
        foreach (var pair in pairs)
        {
            var part = Array.BinarySearch(starts, pair.InterestIndex);
            if (part < 0)
            {
                part = ~part - 1;
            }
            // Parts with no interests share their start with the next one; the pair belongs to the last of them.
            while (part + 1 < starts.Length && starts[part + 1] <= pair.InterestIndex)
            {
                part++;
            }
            results[part].Add(pair with { InterestIndex = pair.InterestIndex - starts[part] });
        }
        return results;
    }

    private sealed record Pending(ShardScoreRequest Request, InterestIndex Index, long Enqueued)
    {
        public TaskCompletionSource<List<ScoredPair>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
