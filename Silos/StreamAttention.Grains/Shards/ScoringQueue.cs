using System.Diagnostics;
using System.Threading.Channels;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// The batcher's bounded queue. A full queue refuses new requests at once (the caller backs off) rather than letting
/// them wait past their callers' timeouts; requests whose caller has given up are dropped when taken, unscored.
/// </summary>
public sealed class ScoringQueue(int capacity)
{
    private readonly Channel<ScoringRequest> _channel = Channel.CreateBounded<ScoringRequest>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public int Capacity => capacity;

    public int Count => _channel.Reader.Count;

    /// <summary>False when the queue is full or closed.</summary>
    public bool TryEnqueue(ScoringRequest request) => _channel.Writer.TryWrite(request);

    /// <summary>
    /// Waits for a request, then takes up to <paramref name="maxRequests"/> requests holding up to
    /// <paramref name="maxMessages"/> messages in all (at least one request), waiting at most <paramref name="maxDelay"/>
    /// after the first was queued for more. Requests cancelled meanwhile are completed as cancelled and counted, not taken.
    /// A stop while waiting for the first throws; one while waiting for more returns what is taken.
    /// </summary>
    public async Task<TakenRequests> TakeAsync(int maxRequests, int maxMessages, TimeSpan maxDelay, CancellationToken stoppingToken)
    {
        var reader = _channel.Reader;
        var taken = new List<ScoringRequest>();
        var (messages, dropped) = (0, 0);
        long deadline = 0;
        while (taken.Count < maxRequests && messages < maxMessages)
        {
            if (reader.TryPeek(out var next))
            {
                if (taken.Count > 0 && messages + next.Messages.Count > maxMessages)
                {
                    break;
                }
                reader.TryRead(out _);
                if (next.CancellationToken.IsCancellationRequested)
                {
                    next.Completion.TrySetCanceled(next.CancellationToken);
                    dropped++;
                    continue;
                }
                if (taken.Count == 0)
                {
                    deadline = next.Enqueued + (long)(maxDelay.TotalSeconds * Stopwatch.Frequency);
                }
                taken.Add(next);
                messages += next.Messages.Count;
                continue;
            }
            if (taken.Count == 0)
            {
                if (!await reader.WaitToReadAsync(stoppingToken))
                {
                    break;
                }
                continue;
            }
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(remaining);
            try
            {
                await reader.WaitToReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // The delay is over, or the silo stops: the requests taken are out of the queue, which no longer ends
                // them when it closes, so they go to a run either way rather than leave their callers waiting.
                break;
            }
        }
        return new TakenRequests(taken, dropped);
    }

    /// <summary>Refuses new requests and cancels those still queued (the silo stops).</summary>
    public void Close()
    {
        _channel.Writer.TryComplete();
        while (_channel.Reader.TryRead(out var request))
        {
            request.Completion.TrySetCanceled();
        }
    }
}

/// <summary>The requests a run takes, and how many were dropped because their callers had given up.</summary>
public sealed record TakenRequests(List<ScoringRequest> Requests, int Dropped);
