using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Silo.Local;

/// <summary>The demo message stream of local mode (section "Samples").</summary>
public sealed class SampleStreamOptions
{
    public const string SectionName = "Samples";

    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    [Required]
    public string Topic { get; set; } = "streamattention.messages";

    /// <summary>Messages produced per second; 0 stops the stream (the demo interests are still loaded).</summary>
    [Range(0, 100_000)]
    public double MessagesPerSecond { get; set; } = 5;

    /// <summary>Folder with interests.jsonl (demo users) and messages.jsonl (the stream, cycled).</summary>
    [Required]
    public string Directory { get; set; } = Path.Combine(AppContext.BaseDirectory, "samples");
}
