using Confluent.Kafka;

namespace StreamAttention.Ingest.Publishing;

/// <summary>
/// A batch's outputs until the broker acknowledged every one: a counter and one task for the whole batch, instead of a
/// task per output (a batch at 10,000 interests publishes ~50,000 matches, each task's completion a thread-pool item).
/// The first failed delivery fails <see cref="AllAsync"/>.
/// </summary>
public sealed class BatchAcknowledgements
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // One for the batch itself until AllAsync: the count cannot reach zero while outputs are still being produced.
    private int _pending = 1;

    public BatchAcknowledgements() => DeliveryHandler = Report;

    /// <summary><see cref="Report"/> as one delegate for all of the batch's outputs (a method group makes one per produce).</summary>
    public Action<DeliveryReport<byte[]?, byte[]?>> DeliveryHandler { get; }

    /// <summary>Called before an output is handed to the producer.</summary>
    public void Add() => Interlocked.Increment(ref _pending);

    /// <summary>The producer's delivery report of one output (on librdkafka's delivery thread).</summary>
    public void Report(DeliveryReport<byte[]?, byte[]?> report)
    {
        if (report.Error.IsError)
        {
            _all.TrySetException(new ProduceException<byte[]?, byte[]?>(report.Error, report));
        }
        Done();
    }

    /// <summary>An output that was never handed to the producer (its produce call threw).</summary>
    public void Abandon() => Done();

    /// <summary>Once every output was added: completes when all were acknowledged.</summary>
    public Task AllAsync()
    {
        Done();
        return _all.Task;
    }

    private void Done()
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _all.TrySetResult();
        }
    }
}
