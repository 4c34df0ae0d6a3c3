using System.Text.Json.Serialization;

namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// A text (by index in the scored batch) that reached one user's interest threshold: what the shards and the scoring
/// gateway return, and <c>POST /score</c> serves. The gateway adds the match's id and the user grain's delivery decision
/// (<see cref="Users.DeliveryKinds"/>; <paramref name="Score"/> is then the score after feedback). A long text is scored in
/// windows and the gateway keeps each interest's best; <paramref name="Truncated"/>: the text had more tokens than its
/// windows cover.
/// <paramref name="Score"/> is calibrated unless <c>Scoring:Calibration</c> is None; <paramref name="RawScore"/> is the uncalibrated score.
/// <paramref name="DecisionError"/>: why the user's grain could not decide, when <paramref name="Delivery"/> is <see cref="Users.DeliveryKinds.Undecided"/>;
/// <paramref name="Incarnation"/>, then: the incarnation of the user whose rows its shard holds (null: none known), which
/// the match's dead letter carries, so that its replay reaches that incarnation alone.
/// </summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.TextMatch")]
public sealed record TextMatch(int TextIndex, string UserId, string InterestId, float Score, IReadOnlyList<Highlight> Highlights,
    string? MatchId = null, string? Delivery = null, string? DuplicateOf = null, bool Truncated = false, float? RawScore = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DecisionError = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Incarnation = null);
