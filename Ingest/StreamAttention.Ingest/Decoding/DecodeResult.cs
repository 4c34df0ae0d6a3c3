namespace StreamAttention.Ingest.Decoding;

/// <summary>A decoded message, or why the message goes to the dead-letter topic.</summary>
public readonly record struct DecodeResult(IngestMessage? Message, string? Reason, string? Detail)
{
    public static DecodeResult Ok(IngestMessage message) => new(message, null, null);

    public static DecodeResult Reject(string reason, string detail) => new(null, reason, detail);
}

/// <summary>The reasons a message is dead-lettered, sent in header <see cref="DeadLetterHeaders.Error"/> and tagged on the counters.</summary>
public static class DeadLetterReasons
{
    public const string Oversize = "oversize";
    public const string InvalidUtf8 = "invalid-utf8";
    public const string MalformedJson = "malformed-json";
    public const string MissingText = "missing-text";
    public const string InvalidField = "invalid-field";
    public const string WrongDimension = "wrong-dimension";
    public const string InvalidVector = "invalid-vector";
}

/// <summary>Headers a dead letter carries besides the original message's own.</summary>
public static class DeadLetterHeaders
{
    public const string Error = "streamattention-error";
    public const string ErrorDetail = "streamattention-error-detail";
    public const string SourceTopic = "streamattention-source-topic";
    public const string SourcePartition = "streamattention-source-partition";
    public const string SourceOffset = "streamattention-source-offset";
}
