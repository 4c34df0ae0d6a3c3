using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Grains.Options;

/// <summary>How the scoring gateway waits for the users' delivery decisions (section "Decisions").</summary>
public sealed class DeliveryDecisionOptions
{
    public const string SectionName = "Decisions";

    /// <summary>
    /// How long a batch waits for a user's decision. A user still out then, while some other user of the batch has
    /// answered (or, when none has, the cluster answers a probe call within this time too), is held up in its own grain
    /// (a store call that does not return, a call it waits on), not by the cluster: its matches come back undecided,
    /// and so do its next batches' until that call ends, so one hung user does not hold everyone's batches, nor its
    /// own stream, for Orleans' response timeout. When the probe is not answered either, the batch waits on, up to
    /// Orleans' own timeout (<c>Cluster:ResponseTimeout</c>; this must be below it, checked at start). A decision takes milliseconds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan AnswerDeadline { get; set; } = TimeSpan.FromSeconds(10);
}
