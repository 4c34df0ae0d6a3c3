namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// Batches are scored concurrently but hand their outputs to the producer in read order: a batch takes its turn when
/// it is read and publishes only after the batch before it has handed over everything. With the idempotent producer,
/// that keeps each user's matches in the order of the input.
/// </summary>
public sealed class PublishSequencer
{
    private Task _last = Task.CompletedTask;

    /// <summary>Call in read order. Await <see cref="Turn.Previous"/> before producing, and complete the turn after.</summary>
    public Turn TakeTurn()
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var previous = Interlocked.Exchange(ref _last, mine.Task);
        return new Turn(previous, mine);
    }

    public readonly record struct Turn(Task Previous, TaskCompletionSource Mine)
    {
        /// <summary>Idempotent, so it can also run in a finally after a failure (a failed batch must not block the next ones).</summary>
        public void Complete() => Mine.TrySetResult();
    }
}
