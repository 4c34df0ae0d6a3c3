using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>The silo's end of the live match feed (section "LiveFeed").</summary>
public sealed class LiveFeedOptions
{
    public const string SectionName = "LiveFeed";

    /// <summary>
    /// The latest matches the silo keeps for live-stream clients that reconnect (Last-Event-ID): what they missed
    /// meanwhile is sent first, of these. 0 keeps none (a reconnecting client gets matches from then on).
    /// </summary>
    [Range(0, 1_000_000)]
    public int ResumeMatches { get; set; } = 1000;
}
