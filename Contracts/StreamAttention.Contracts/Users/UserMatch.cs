namespace StreamAttention.Contracts.Users;

/// <summary>
/// A message that matched one of the user's interests, as kept in the user's recent-match history. <paramref name="MatchId"/>
/// is given where the match is created (the scoring gateway); <paramref name="Delivery"/> is the user grain's decision
/// (<see cref="DeliveryKinds"/>), with <paramref name="DuplicateOf"/> the match id it duplicates. <paramref name="Truncated"/>:
/// the text had more tokens than the windows it was scored in cover.
/// <paramref name="RawScore"/> is the uncalibrated score that the (calibrated) <paramref name="Score"/> comes from.
/// <paramref name="Source"/> names the message where it came from: a Kafka message's position "topic/partition/offset",
/// or <c>POST /score</c>'s source id; null when the caller gave none. <paramref name="MessageId"/> is a Kafka message's
/// own id (its <c>id</c> field, or its position where it has none), the <c>messageId</c> of its records on the output
/// topics; null for <c>POST /score</c>'s matches, whose caller names them by <paramref name="Source"/>.
/// Not reference-tracked: no record or message holds one instance twice (its strings, arrays and highlights stay
/// tracked: a state read from JSON shares highlights among arrays), and Orleans' bookkeeping of every object written
/// was a third of each attention log entry's serializing. A reader still counts each one as a possible reference, so
/// records written with tracking read the same.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("StreamAttention.UserMatch")]
public sealed record UserMatch(DateTimeOffset At, string InterestId, string Text, float Score, IReadOnlyList<Highlight> Highlights,
    string MatchId = "", string? Delivery = null, string? DuplicateOf = null, bool Truncated = false, float? RawScore = null, string? Source = null,
    string? MessageId = null);
