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

    /// <summary>
    /// How long after its last stream client left a silo still keeps matches for clients that resume. Kept only while
    /// it has clients and for this long after: a silo nobody watches forms no object per match (at 100,000 interests
    /// a message matches hundreds), and a client resuming at such a silo is told of the gap.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan ResumeWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long the feed grain and every silo remember an erased user (its key and erasure time): a batch decided before
    /// the erasure that is still on its way (the delivery queue, the feed's fan-out) is dropped on arrival, and a silo that
    /// subscribes again gets the erasures it missed; the Kafka ingest drops the matches of a batch that waited for its turn
    /// to be produced (<c>IMatchFeedGrain.ErasedAfter</c>). The feed grain stores them, so a new activation keeps them. Far longer than either takes (seconds; a lapsed subscription is
    /// renewed within <c>MatchBroadcaster.RefreshPeriod</c>, 30 s, or expires after 90 s), and short enough that memory stays
    /// small: one key and a time per erasure of the period.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan ErasureMemory { get; set; } = TimeSpan.FromMinutes(10);
}
