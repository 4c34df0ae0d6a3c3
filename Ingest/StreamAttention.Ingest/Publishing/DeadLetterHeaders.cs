namespace StreamAttention.Ingest.Publishing;

/// <summary>Headers a dead letter carries besides the original message's own.</summary>
public static class DeadLetterHeaders
{
    public const string Error = "streamattention-error";
    public const string ErrorDetail = "streamattention-error-detail";
    public const string SourceTopic = "streamattention-source-topic";
    public const string SourcePartition = "streamattention-source-partition";
    public const string SourceOffset = "streamattention-source-offset";

    /// <summary>
    /// The user (of the message's tenant) a <c>decision-failed</c> dead letter is for. The ingest reads it on any input
    /// message as the user to score against alone, so a replayed dead letter reaches only that user.
    /// </summary>
    public const string User = "streamattention-user";

    /// <summary>
    /// Where the message was first read, "topic/partition/offset": added to a dead letter unless the message carried one
    /// (it was replayed), and kept by a replay. The ingest reads it on any input message as the message's
    /// <see cref="Decoding.IngestMessage.Origin"/>, so a replayed message gets the match ids it had the first time.
    /// </summary>
    public const string Origin = "streamattention-origin";

    /// <summary>
    /// How many times the message was replayed, a decimal count: each replay sets it one higher, and a dead letter keeps
    /// it from the message it was made of (as every header of the input), so a replay run can leave a message that keeps
    /// failing in the dead-letter topic (<see cref="Options.DeadLetterReplayOptions.MaxReplays"/>).
    /// </summary>
    public const string Replays = "streamattention-replays";

    /// <summary>
    /// On a dead letter that carries only the first part of its message's value (the whole, with its key and headers,
    /// would not fit the producer's <c>message.max.bytes</c>): the value's whole length in bytes, decimal. Such a dead
    /// letter records what failed but is not the message, so it is never replayed (<see cref="DeadLetterCut"/>).
    /// </summary>
    public const string ValueTruncatedFrom = "streamattention-value-truncated-from";

    /// <summary>On a dead letter whose message's key and headers alone would not fit: how many of the message's last headers it lacks, decimal.</summary>
    public const string HeadersDropped = "streamattention-headers-dropped";

    /// <summary>On a dead letter whose message's key alone would not fit: the key's whole length in bytes, decimal; the dead letter has its first part.</summary>
    public const string KeyTruncatedFrom = "streamattention-key-truncated-from";
}
