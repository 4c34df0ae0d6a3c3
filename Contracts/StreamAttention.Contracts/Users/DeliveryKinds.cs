namespace StreamAttention.Contracts.Users;

/// <summary>What happened to a match: the <c>delivery</c> field of every match in the history, the live stream and the matches topic.</summary>
public static class DeliveryKinds
{
    /// <summary>Goes to the person now (the notifications topic).</summary>
    public const string Immediate = "immediate";

    /// <summary>Over the rate limit: waits for the next digest.</summary>
    public const string Deferred = "deferred";

    /// <summary>A near-duplicate of a match already delivered or queued for the digest; <c>duplicateOf</c> names it.</summary>
    public const string SuppressedDuplicate = "suppressed-duplicate";

    /// <summary>Its interest or one of its words is muted.</summary>
    public const string Muted = "muted";

    /// <summary>Arrived during quiet hours below the critical score: waits for the digest at the end of quiet hours.</summary>
    public const string QuietHours = "quiet-hours";

    /// <summary>"Not like this" feedback lowered its score below the interest's threshold.</summary>
    public const string BelowThreshold = "below-threshold";

    /// <summary>
    /// Not a user's decision: the user's grain kept failing while it was asked (e.g. it cannot activate, or its attention
    /// log cannot be written), so nothing was delivered or recorded. The match's <c>decisionError</c> says why; the ingest
    /// sends its message to the dead-letter topic for that user alone (reason <c>decision-failed</c>) instead of publishing it.
    /// </summary>
    public const string Undecided = "undecided";

    /// <summary>
    /// Not a delivery: the match's interest was removed, or its user erased, between scoring and the decision. Nothing is
    /// recorded, and the scoring gateway drops the match, so it reaches no caller, live stream or topic.
    /// </summary>
    public const string Withdrawn = "withdrawn";

    /// <summary>The decisions a user's grain makes (<see cref="Undecided"/> and <see cref="Withdrawn"/> are not).</summary>
    public static readonly IReadOnlyList<string> All = [Immediate, Deferred, SuppressedDuplicate, Muted, QuietHours, BelowThreshold];
}
