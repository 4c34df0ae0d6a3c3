using System.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring;

namespace StreamAttention.Grains.Shards;

/// <summary>A message batch to score against one index, queued in the silo's batcher until a run takes it.</summary>
public sealed class ScoringRequest(IReadOnlyList<EmbeddedText> messages, InterestIndex index, CancellationToken cancellationToken)
{
    public IReadOnlyList<EmbeddedText> Messages => messages;

    public InterestIndex Index => index;

    /// <summary>Cancelled when the caller gave up (its grain call timed out or was cancelled): the request is dropped unscored.</summary>
    public CancellationToken CancellationToken => cancellationToken;

    public long Enqueued { get; } = Stopwatch.GetTimestamp();

    /// <summary>The pairs of the messages and the index that reach their thresholds, message indexes relative to this request.</summary>
    public TaskCompletionSource<List<RowMatch>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
