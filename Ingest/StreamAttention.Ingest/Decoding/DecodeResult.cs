namespace StreamAttention.Ingest.Decoding;

/// <summary>A decoded message, or why the message goes to the dead-letter topic.</summary>
public readonly record struct DecodeResult(IngestMessage? Message, string? Reason, string? Detail)
{
    public static DecodeResult Ok(IngestMessage message) => new(message, null, null);

    public static DecodeResult Reject(string reason, string detail) => new(null, reason, detail);
}
