using Confluent.Kafka;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// Which offsets may be committed: batches finish out of order, but a partition's offset advances only over the
/// batches read from it that all finished, in read order. Used by the consume loop's thread only.
/// </summary>
public sealed class OffsetTracker
{
    private readonly Dictionary<TopicPartition, Queue<(BatchHandle Batch, long Next)>> _pending = [];
    private readonly Dictionary<TopicPartition, long> _finished = [];
    private readonly Dictionary<TopicPartition, long> _committed = [];
    /// <summary>Each partition's first offset tracked since it was assigned: where processing stands before a batch finished.</summary>
    private readonly Dictionary<TopicPartition, long> _first = [];

    public BatchHandle Track(IEnumerable<ConsumeResult<byte[]?, byte[]?>> batch)
    {
        var handle = new BatchHandle();
        foreach (var partition in batch.GroupBy(r => r.TopicPartition))
        {
            if (!_pending.TryGetValue(partition.Key, out var queue))
            {
                _pending[partition.Key] = queue = new Queue<(BatchHandle, long)>();
            }
            queue.Enqueue((handle, partition.Max(r => r.Offset.Value) + 1));
            _first.TryAdd(partition.Key, partition.Min(r => r.Offset.Value));
        }
        return handle;
    }

    /// <summary>Offsets past the finished batches that are not committed yet, of <paramref name="partitions"/> or of all.</summary>
    public List<TopicPartitionOffset> Committable(IEnumerable<TopicPartition>? partitions = null)
    {
        var result = new List<TopicPartitionOffset>();
        foreach (var partition in partitions ?? _pending.Keys)
        {
            if (!_pending.TryGetValue(partition, out var queue))
            {
                continue;
            }
            Finish(partition, queue);
            // Kept apart from the queue, so an offset whose commit failed is offered again.
            if (_finished.TryGetValue(partition, out var finished) && finished > _committed.GetValueOrDefault(partition, -1))
            {
                result.Add(new TopicPartitionOffset(partition, finished));
            }
        }
        return result;
    }

    private void Finish(TopicPartition partition, Queue<(BatchHandle Batch, long Next)> queue)
    {
        while (queue.TryPeek(out var head) && head.Batch.Completed)
        {
            _finished[partition] = queue.Dequeue().Next;
        }
    }

    /// <summary>
    /// The consumer's position in <paramref name="partition"/> when every message it read is in a batch tracked here.
    /// Once those batches all finished, the offsets from the last one to the position held nothing for the loop (a
    /// transaction's marker, an aborted transaction's records under read_committed), so they count as processed: the
    /// commit and the lag reach the log's end. Only for a partition read since it was assigned: until a message of this
    /// assignment was read, the position may be the last assignment's, past messages never processed.
    /// </summary>
    public void ReadTo(TopicPartition partition, long position)
    {
        if (!_first.ContainsKey(partition) || !_pending.TryGetValue(partition, out var queue))
        {
            return;
        }
        Finish(partition, queue);
        if (queue.Count == 0 && _finished.TryGetValue(partition, out var finished) && position > finished)
        {
            _finished[partition] = position;
        }
    }

    /// <summary>
    /// The first offset not processed: past the partition's finished batches (what a commit may reach), or before one
    /// finished, the first offset tracked; null when nothing of it was tracked.
    /// </summary>
    public long? Unprocessed(TopicPartition partition)
        => _finished.TryGetValue(partition, out var finished) ? finished : _first.TryGetValue(partition, out var first) ? first : null;

    public void Committed(IEnumerable<TopicPartitionOffset> offsets)
    {
        foreach (var offset in offsets)
        {
            _committed[offset.TopicPartition] = Math.Max(_committed.GetValueOrDefault(offset.TopicPartition, -1), offset.Offset.Value);
        }
    }

    /// <summary>A partition assigned to resume at <paramref name="offset"/>, which the group has not committed: offered with the next commit.</summary>
    public void Resumed(TopicPartition partition, long offset)
    {
        _pending.TryAdd(partition, new Queue<(BatchHandle, long)>());
        _finished[partition] = offset;
    }

    /// <summary>Partitions this consumer no longer owns: what their batches finish later is not committed by it.</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _pending.Remove(partition);
            _finished.Remove(partition);
            _committed.Remove(partition);
            _first.Remove(partition);
        }
    }
}
