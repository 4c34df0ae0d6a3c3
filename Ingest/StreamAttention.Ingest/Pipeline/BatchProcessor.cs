using Confluent.Kafka;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Diagnostics;
using StreamAttention.Ingest.Publishing;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// One batch from read to acknowledged: decode, score the good messages through the silos (a message the silos keep
/// failing on becomes a dead letter, reason <c>scoring-failed</c>; a message some user could not decide, one dead letter
/// for each such user, reason <c>decision-failed</c>; likewise, reason <c>no-tenant-topic</c>, for each matched user whose
/// tenant has no legal per-tenant topic name), publish every match and dead letter in read order, and mark the
/// batch complete only once the broker acknowledged all of them. Offsets the broker removed before they were read
/// (<see cref="LostOffsets"/>, found before messages of the batch) are published first, one dead letter each
/// (reason <c>offsets-lost</c>), so the partition is committed past them only once that was acknowledged. The matches
/// of users erased after the batch's scoring started (by the live feed's count of erasures), and their dead letters for
/// decisions that failed, are dropped right before its turn to produce (an erasure ends the user's live streams at
/// once, but a scored batch may wait for the batches read before it).
/// </summary>
public sealed class BatchProcessor(ScoringGatewayClient gateway, OutputPublisher publisher, PublishSequencer sequencer, IngestInstruments metrics)
{
    /// <summary>Must be called in read order (it takes the batch's publishing turn before its first await).</summary>
    public async Task ProcessAsync(IReadOnlyList<ConsumeResult<byte[]?, byte[]?>> batch, IReadOnlyList<LostOffsets> lost, MessageDecoder decoder, BatchHandle handle, CancellationToken cancellationToken)
    {
        // Before the turn, which the finally below completes whatever fails after it.
        using var activity = IngestTracing.StartBatch(batch);
        var turn = sequencer.TakeTurn();
        try
        {
            metrics.Batch(batch.Count);
            var decoded = batch.Select(input => decoder.Decode(input.Message.Value, SourcePosition.Of(input), input.Message.Headers)).ToArray();
            var good = decoded.Select((result, index) => (result.Message, index)).Where(item => item.Message is not null).ToArray();
            // Before scoring: a message the silos refuse is dead-lettered as its tenant's.
            var tenants = batch.Select((input, i) => metrics.TenantOf(input, decoded[i].Message)).ToArray();
            // Before the call: every match it returns was formed after this, so an erasure told after it may be of one. A
            // batch of bad messages alone asks nothing, and so is dead-lettered while the cluster does not answer too.
            var erasuresBefore = good.Length > 0 ? await gateway.ErasureMarkAsync(cancellationToken) : null;
            var scored = await gateway.ScoreAsync(good.Select(item => item.Message!).ToArray(), cancellationToken);
            var matches = new List<TextMatch>[batch.Count];
            var undecided = new UndecidedUsers?[batch.Count];
            var skipped = new string?[batch.Count];
            for (var i = 0; i < good.Length; i++)
            {
                if (scored[i].Error is { } error)
                {
                    // The silos refused this message for good, or it names no known user: it leaves the stream as a dead letter, not in a replay loop.
                    decoded[good[i].index] = DecodeResult.Reject(scored[i].Reason!, error);
                }
                else if (scored[i].Matches is null)
                {
                    (skipped[good[i].index], matches[good[i].index]) = (scored[i].Reason, []);
                }
                else
                {
                    (matches[good[i].index], undecided[good[i].index]) = UndecidedUsers.Split(scored[i].Matches!);
                }
            }

            // The previous batch's failure is its own; this batch only needs to come after it.
            await turn.Previous.ContinueWith(_ => { }, TaskScheduler.Default);
            var erasedMatches = await DropErasedUsersAsync(matches, undecided, erasuresBefore, cancellationToken);
            var acknowledgements = new BatchAcknowledgements();
            var userRecords = publisher.UserRecordsForBatch();
            foreach (var offsets in lost)
            {
                await publisher.PublishLostOffsetsAsync(offsets, acknowledgements, cancellationToken);
            }
            var withoutTopic = new IReadOnlyList<(string UserKey, string Problem)>[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                if (decoded[i].Message is { } message)
                {
                    withoutTopic[i] = publisher.TakeMatchesWithoutTopic(matches[i]);
                    foreach (var (userKey, problem) in withoutTopic[i])
                    {
                        await publisher.PublishDeadLetterAsync(batch[i], DeadLetterReasons.NoTenantTopic, problem, acknowledgements, cancellationToken, (message.UserOf(userKey), erasuresBefore!, null));
                    }
                    await publisher.PublishMatchesAsync(message, matches[i], SourcePosition.Of(batch[i]), userRecords, acknowledgements, cancellationToken);
                    foreach (var (user, error, incarnation) in undecided[i]?.Of(message) ?? [])
                    {
                        await publisher.PublishDeadLetterAsync(batch[i], DeadLetterReasons.DecisionFailed, error, acknowledgements, cancellationToken, (user, erasuresBefore!, incarnation));
                    }
                }
                else
                {
                    await publisher.PublishDeadLetterAsync(batch[i], decoded[i].Reason!, decoded[i].Detail!, acknowledgements, cancellationToken);
                }
            }
            // With PerMatch every published match is a record of the match topic.
            var matchRecords = userRecords is null
                ? matches.Sum(published => published?.Count ?? 0)
                : await publisher.PublishUserRecordsAsync(userRecords, acknowledgements, cancellationToken);
            turn.Complete();
            await acknowledgements.AllAsync();

            handle.Complete();
            metrics.ErasedMatchesDropped(erasedMatches);
            metrics.MatchRecordsPublished(matchRecords);
            foreach (var offsets in lost)
            {
                metrics.OffsetsLost(offsets);
            }
            for (var i = 0; i < batch.Count; i++)
            {
                if (decoded[i].Message is null)
                {
                    metrics.Outcome(tenants[i], IngestInstruments.DeadLettered, decoded[i].Reason);
                    IngestTracing.AddMessage(activity, batch[i], null, IngestInstruments.DeadLettered, decoded[i].Reason, null, 0);
                }
                else if (skipped[i] is { } skipReason)
                {
                    metrics.Outcome(tenants[i], IngestInstruments.Skipped, skipReason);
                    IngestTracing.AddMessage(activity, batch[i], decoded[i].Message, IngestInstruments.Skipped, skipReason, null, 0);
                }
                else
                {
                    // A message matched even when every user it matched could not decide (its dead letters are counted apart);
                    // one whose every match, decided or not, was an erased user's matched nothing that is kept.
                    var outcome = matches[i].Count > 0 || undecided[i] is { Count: > 0 } || withoutTopic[i].Count > 0 ? IngestInstruments.Matched : IngestInstruments.NoMatch;
                    metrics.Outcome(tenants[i], outcome);
                    IngestTracing.AddMessage(activity, batch[i], decoded[i].Message, outcome, null, matches[i], (undecided[i]?.Count ?? 0) + withoutTopic[i].Count);
                    metrics.MatchesPublished(tenants[i], matches[i].Count);
                    if (undecided[i] is { } users)
                    {
                        metrics.DeadLetteredForUsers(tenants[i], DeadLetterReasons.DecisionFailed, users.Count);
                    }
                    metrics.DeadLetteredForUsers(tenants[i], DeadLetterReasons.NoTenantTopic, withoutTopic[i].Count);
                    if (matches[i].Count > 0 && batch[i].Message.Timestamp.Type != TimestampType.NotAvailable)
                    {
                        metrics.MatchedLatency(tenants[i], batch[i].Message.Timestamp.UtcDateTime);
                    }
                }
            }
        }
        catch (Exception e)
        {
            IngestTracing.Failed(activity, e);
            throw;
        }
        finally
        {
            turn.Complete();
        }
    }

    /// <summary>
    /// Removes the matches of the users whose erasure the live feed was told after <paramref name="erasuresBefore"/>
    /// (formed before the erasure, as the live feed drops them), and those users from the ones left undecided (their
    /// dead letters are not written: a dead letter would keep the erased user's message and name the user, and the
    /// incarnation it carried may already be that of a user created again since), and returns how many matches and
    /// dead letters it removed; a batch without either asks nothing. The message's other matches go out, and its offset
    /// commits as always. The feed's count of erasures orders them, not the ingest's clock against the erasing silo's,
    /// which need not agree.
    /// </summary>
    private async Task<int> DropErasedUsersAsync(List<TextMatch>[] matches, UndecidedUsers?[] undecided, ErasureMark? erasuresBefore, CancellationToken cancellationToken)
    {
        if (erasuresBefore is null || !matches.Any(list => list is { Count: > 0 }) && !undecided.Any(users => users is not null))
        {
            return 0;
        }
        var erased = await gateway.ErasedAfterAsync(erasuresBefore, cancellationToken);
        if (erased.Count == 0)
        {
            return 0;
        }
        var users = erased.ToHashSet(StringComparer.Ordinal);
        return matches.Sum(list => list?.RemoveAll(match => users.Contains(match.UserId)) ?? 0) + undecided.Sum(list => list?.Remove(users) ?? 0);
    }
}
