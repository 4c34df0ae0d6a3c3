namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// What the tiers did since the scorer was built: messages and pairs scored, those scored contextually, the messages
/// near a threshold that <see cref="CascadeBudget"/> left to the fast tier, the pairs of rescored messages that the cap
/// per message left to the fast tier (<see cref="OverCapPairs"/>), those of runs the fast tier scored alone
/// because the load budget was empty (<see cref="FastOnlyMessages"/>), and the time spent rescoring (model runs
/// included) against the whole scoring time.
/// </summary>
public sealed record CascadeStatistics(long Messages, long Pairs, long RescoredMessages, long RescoredPairs, long OverBudgetMessages, long OverCapPairs, long FastOnlyMessages, TimeSpan RescoringTime, TimeSpan ScoringTime)
{
    public static CascadeStatistics None { get; } = new(0, 0, 0, 0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero);

    public double RescoredPairShare => Pairs == 0 ? 0 : (double)RescoredPairs / Pairs;

    public double RescoredMessageShare => Messages == 0 ? 0 : (double)RescoredMessages / Messages;

    public double RescoringTimeShare => ScoringTime <= TimeSpan.Zero ? 0 : RescoringTime / ScoringTime;

    public CascadeStatistics Add(long messages, long pairs, long rescoredMessages, long rescoredPairs, long overBudgetMessages, long overCapPairs, long fastOnlyMessages,
        TimeSpan rescoring, TimeSpan scoring)
        => new(Messages + messages, Pairs + pairs, RescoredMessages + rescoredMessages, RescoredPairs + rescoredPairs, OverBudgetMessages + overBudgetMessages, OverCapPairs + overCapPairs,
            FastOnlyMessages + fastOnlyMessages,
            RescoringTime + rescoring, ScoringTime + scoring);
}
