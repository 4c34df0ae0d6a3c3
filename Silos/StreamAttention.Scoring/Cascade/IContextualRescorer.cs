namespace StreamAttention.Scoring.Cascade;

/// <summary>Scores chosen (message, interest) pairs on contextual token vectors.</summary>
public interface IContextualRescorer
{
    /// <summary>
    /// The contextual score of every pair named by <paramref name="interestsPerMessage"/> (message i with the interest
    /// rows in entry i; empty: the message is not run), ordered by message, best first: calibrated where
    /// <see cref="Options.ScoringOptions.Calibration"/> is on (<see cref="RowMatch.RawScore"/> the contextual raw score), else raw. A long
    /// message is scored in windows and its best window decides each pair; <see cref="RowMatch.Truncated"/> says
    /// whether its text lay beyond them. A pair has highlights where its score reaches <paramref name="highlightFrom"/>
    /// (per interest of <paramref name="interests"/>, on the scale returned; null: every pair): the caller keeps the
    /// others without them, or drops them.
    /// </summary>
    List<RowMatch> Rescore(IReadOnlyList<string> texts, InterestIndex interests, IReadOnlyList<int[]> interestsPerMessage, float[]? highlightFrom = null);
}
