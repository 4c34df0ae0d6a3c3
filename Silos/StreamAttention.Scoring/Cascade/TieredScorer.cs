using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Cascade;

/// <summary>
/// The scoring entry point of every path (score, eval, the silos), by <see cref="ScoringOptions.Tier"/>:
/// fast scores with the configured embedder alone (<see cref="TwoStageScorer"/>); contextual scores every pair with
/// <see cref="IContextualRescorer"/>; cascade scores every pair fast, then rescores contextually the pairs that
/// <see cref="CascadePairs"/> chooses (those within <see cref="ScoringOptions.CascadeMargin"/> of their threshold, and
/// in their messages those within <see cref="ScoringOptions.CascadePairMargin"/>, at most
/// <see cref="ScoringOptions.CascadeMaxPairsPerMessage"/> nearest their thresholds; of those messages at most
/// <see cref="ScoringOptions.CascadeMaxMessageShare"/> of the run's and what the load budget
/// <see cref="ScoringOptions.CascadeMaxModelTimeShare"/> allows, by <see cref="CascadeBudget"/>), and the contextual score decides
/// (pairs left to the fast tier cannot match). Contextual scores are calibrated per interest by the rescorer (MiniLM's model, like the
/// fast tier's), or without calibration put on the fast raw scale by <see cref="ContextualScoreMap"/>, so thresholds
/// mean the same in every tier. Where the contextual model runs on CUDA, cascade rescores every pair of an index of at
/// most <see cref="ScoringOptions.CascadeEveryPairMaxInterests"/> interests.
/// </summary>
public sealed class TieredScorer
{
    private readonly TwoStageScorer _fast;
    private readonly IContextualRescorer? _contextual;
    /// <summary>Uncalibrated contextual scores onto the fast raw scale; null: the rescorer calibrates them.</summary>
    private readonly ContextualScoreMap? _contextualScale;
    /// <summary>Cascade on CUDA: every pair of an index of at most <see cref="ScoringOptions.CascadeEveryPairMaxInterests"/> interests is rescored.</summary>
    private readonly bool _everyPairOnCuda;
    private readonly CascadeBudget _budget;
    private readonly TimeProvider _time;
    private readonly Lock _statisticsLock = new();
    private CascadeStatistics _statistics = CascadeStatistics.None;
    /// <summary>The floors of the last index's thresholds (and override) scored; replaced whole, so readers need no lock.</summary>
    private CascadeFloors? _floors;
    /// <summary>Each index's interests that score alike (<see cref="TwinsOf"/>), found once per index.</summary>
    private readonly ConditionalWeakTable<InterestIndex, int[][]> _twins = [];

    /// <param name="contextualOnCuda">Whether the contextual model runs on CUDA, where the cascade rescores every pair of small indexes.</param>
    /// <param name="time">The clock of the load budget and of the time statistics (default: the system's).</param>
    public TieredScorer(TwoStageScorer fast, IContextualRescorer? contextual = null, bool contextualOnCuda = false, ILogger<TieredScorer>? logger = null, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _fast = fast;
        _contextual = contextual;
        // Calibrated scores come calibrated per interest from the rescorer; raw scores go onto the fast tier's raw
        // scale. Either way one threshold means the same in every tier.
        _contextualScale = fast.Options.Calibration == ScoreCalibration.Background ? null : ContextualScoreMap.From(fast.Options);
        Tier = fast.Options.Tier;
        if (Tier != ScoringTier.Fast && contextual is null)
        {
            throw new ArgumentException($"Scoring tier {Tier} needs a contextual rescorer.", nameof(contextual));
        }
        _everyPairOnCuda = Tier == ScoringTier.Cascade && contextualOnCuda && fast.Options.CascadeEveryPairMaxInterests > 0;
        _budget = new CascadeBudget(fast.Options.CascadeMaxMessageShare,
            new ModelTimeBudget(fast.Options.CascadeMaxModelTimeShare, fast.Options.CascadeModelTimeWindow, _time));
        var log = logger ?? (ILogger)NullLogger.Instance;
        if (_everyPairOnCuda)
        {
            log.LogInformation("Scoring tier cascade on a CUDA execution provider: every pair is rescored contextually while an index holds at most {MaxInterests} interests (Scoring:CascadeEveryPairMaxInterests)",
                fast.Options.CascadeEveryPairMaxInterests);
        }
        if (Tier == ScoringTier.Cascade)
        {
            log.LogInformation("Scoring tier cascade{Larger}: messages with a pair within {Margin} of its threshold are rescored contextually, their pairs within {PairMargin} ({PairCap}), at most {MaxMessageShare:P0} of a run's messages, {LoadBudget}",
                _everyPairOnCuda ? $", indexes of more than {fast.Options.CascadeEveryPairMaxInterests} interests" : "",
                fast.Options.CascadeMargin, fast.Options.CascadePairMargin,
                fast.Options.CascadeMaxPairsPerMessage > 0 ? $"at most {fast.Options.CascadeMaxPairsPerMessage} per message, nearest their thresholds" : "all of them",
                fast.Options.CascadeMaxMessageShare,
                fast.Options.CascadeMaxModelTimeShare > 0
                    ? $"the model at most {fast.Options.CascadeMaxModelTimeShare:P0} of wall time on average (bursts up to {fast.Options.CascadeModelTimeWindow.TotalSeconds:0.#} s of it), the rest left to fast scores under load"
                    : "no load budget");
        }
    }

    public ScoringTier Tier { get; }

    public ScoringOptions Options => _fast.Options;

    public CascadeStatistics Statistics
    {
        get
        {
            lock (_statisticsLock)
            {
                return _statistics;
            }
        }
    }

    /// <summary>
    /// Pairs whose score reaches the interest's threshold (or <paramref name="minScoreOverride"/> for all), ordered by
    /// message, best score first, at most <paramref name="topKPerMessage"/> per message (0 = all).
    /// </summary>
    /// <param name="messages">The messages embedded by the configured embedder, with their texts
    /// (<see cref="TokenBatch.Texts"/>), which the contextual model reads in the cascade and contextual tiers.</param>
    public List<RowMatch> Score(TokenBatch messages, InterestIndex interests, float? minScoreOverride = null, int topKPerMessage = 0)
    {
        if (Tier == ScoringTier.Fast)
        {
            return _fast.Score(messages, interests, minScoreOverride, topKPerMessage);
        }
        var texts = Array.ConvertAll(messages.Texts, text => text ?? throw new ArgumentException($"The {Tier} tier needs every message's text.", nameof(messages)));
        var started = _time.GetTimestamp();
        var rescoreAll = Tier == ScoringTier.Contextual || (_everyPairOnCuda && interests.Count <= Options.CascadeEveryPairMaxInterests);
        if (!rescoreAll && interests.Count > 0 && _budget.LoadBudgetEmpty)
        {
            return FastOnly(messages, interests, minScoreOverride, topKPerMessage, started);
        }
        var thresholds = interests.Thresholds;
        IReadOnlyList<int[]> chosen;
        List<RowMatch> fastPairs;
        BudgetedRun? budgeted = null;
        var overBudget = 0;
        long overCap = 0;
        var floors = _floors is { } last && last.Fit(thresholds, minScoreOverride)
            ? last
            : _floors = new CascadeFloors(thresholds, minScoreOverride, Options.CascadePairMargin, _contextualScale);
        if (rescoreAll || interests.Count == 0)
        {
            // No fast pass filtered these pairs: the keyword rules choose which the contextual model scores.
            var every = Enumerable.Range(0, interests.Count).ToArray();
            var terms = _fast.Lexical.TermsOf(interests);
            chosen = texts.Select(text => terms.Allowing(text, every)).ToArray();
            fastPairs = [];
        }
        else
        {
            // Highlights only for the pairs that may be kept on their fast scores: below the kept floor a pair is
            // rescored (the contextual pass highlights it) or dropped. With many interests the wider pass returns
            // tens of thousands of pairs a message, nearly all of them below it.
            // With a cap, the engine keeps of each message's pairs below their thresholds only the nearest, which are all
            // the cap can choose from (every pair at or above a threshold stays, for the fast decisions): what the
            // choice below makes of them is what it makes of the whole pass. Not with an override (eval's every pair).
            var nearestBelow = minScoreOverride is null && Options.CascadeMaxPairsPerMessage > 0
                ? new NearestBelowThresholds(thresholds, Options.CascadePairMargin, Options.CascadeMaxPairsPerMessage, messages.Count)
                : null;
            fastPairs = _fast.Score(messages, interests, floors.WiderPassFloor, highlightFrom: floors.FastHighlightFrom, nearestBelow: nearestBelow);
            var nearThreshold = CascadePairs.Choose(fastPairs, thresholds, texts.Length, Options.CascadeMargin, Options.CascadePairMargin, Options.CascadeMaxPairsPerMessage, out overCap);
            if (nearestBelow is not null)
            {
                overCap += Enumerable.Range(0, texts.Length).Where(row => nearThreshold[row].Length > 0).Sum(row => (long)nearestBelow.Dropped[row]);
            }
            budgeted = _budget.Limit(nearThreshold, texts, fastPairs, thresholds, Options.CascadeMargin);
            chosen = budgeted.Chosen;
            overBudget = nearThreshold.Count(c => c.Length > 0) - chosen.Count(c => c.Length > 0);
        }

        var rescoringStarted = _time.GetTimestamp();
        var rescored = _contextual!.Rescore(texts, interests, chosen, floors.ContextualHighlightFrom);
        var rescoring = _time.GetElapsedTime(rescoringStarted);
        if (budgeted is not null)
        {
            _budget.Settle(budgeted, rescoring);
        }
        var decided = new Dictionary<(int, int), RowMatch>(rescored.Count);
        foreach (var pair in rescored)
        {
            decided[(pair.MessageIndex, pair.InterestIndex)] = _contextualScale is { } map ? pair with { Score = map.ToFast(pair.Score), RawScore = pair.Score } : pair;
        }
        if (!rescoreAll)
        {
            ShareWithTwins(decided, interests);
        }
        var matches = new List<RowMatch>();
        // A pair left to the fast tier is below threshold − CascadeMargin: it is kept only for a lower override (eval's
        // every pair), truncated as its row (the fast windows) was.
        var leftToFast = fastPairs.Where(p => !decided.ContainsKey((p.MessageIndex, p.InterestIndex)))
            .Select(p => p with { Truncated = messages.Truncated[p.MessageIndex] });
        foreach (var pair in leftToFast.Concat(decided.Values))
        {
            if (pair.Score >= (minScoreOverride ?? thresholds[pair.InterestIndex]))
            {
                matches.Add(pair);
            }
        }
        var rescoredMessages = chosen.Count(c => c.Length > 0);
        var rescoredPairs = chosen.Sum(c => (long)c.Length);
        lock (_statisticsLock)
        {
            _statistics = _statistics.Add(texts.Length, (long)texts.Length * interests.Count, rescoredMessages, rescoredPairs, overBudget, overCap, 0,
                rescoring, _time.GetElapsedTime(started));
        }
        ScoringInstruments.RescoredPairs.Add(rescoredPairs);
        ScoringInstruments.RescoredMessages.Add(rescoredMessages);
        ScoringInstruments.OverBudgetMessages.Add(overBudget);
        ScoringInstruments.OverCapPairs.Add(overCap);
        return TwoStageScorer.OrderAndLimit(matches, topKPerMessage);
    }

    /// <summary>
    /// A contextual score is its text's and rules' (<see cref="InterestTwins"/>): an interest that scores alike with a
    /// rescored one takes its score (and highlights) for that message, unless it was rescored itself. Otherwise one
    /// phrase followed with two thresholds could match the stricter and miss the laxer: only the interest whose fast
    /// score was near its own threshold was rescored.
    /// </summary>
    private void ShareWithTwins(Dictionary<(int Message, int Interest), RowMatch> decided, InterestIndex interests)
    {
        if (decided.Count == 0)
        {
            return;
        }
        var twins = _twins.GetValue(interests, TwinsOf);
        foreach (var ((message, interest), pair) in decided.ToArray())
        {
            foreach (var twin in twins[interest])
            {
                decided.TryAdd((message, twin), pair with { InterestIndex = twin });
            }
        }
    }

    /// <summary>For each interest of <paramref name="index"/>, the others that score alike with it (mostly none).</summary>
    private static int[][] TwinsOf(InterestIndex index)
    {
        var positions = Enumerable.Range(0, index.Count).ToArray();
        var first = InterestTwins.FirstOf(index, positions);
        var twins = new int[index.Count][];
        Array.Fill(twins, []);
        foreach (var group in positions.GroupBy(i => first[i]).Where(g => g.Skip(1).Any()))
        {
            var members = group.ToArray();
            foreach (var member in members)
            {
                twins[member] = Array.FindAll(members, other => other != member);
            }
        }
        return twins;
    }

    /// <summary>
    /// Cascade, with the load budget empty: nothing would be rescored, so the fast tier's own pass decides, at the
    /// thresholds where it prunes most, instead of the cascade's wider pass (down to threshold − the pair margin) whose
    /// pairs would all be left to their fast scores. The matches are those that pass would keep, truncated as their row was.
    /// </summary>
    private List<RowMatch> FastOnly(TokenBatch messages, InterestIndex interests, float? minScoreOverride, int topKPerMessage, long started)
    {
        var matches = _fast.Score(messages, interests, minScoreOverride, topKPerMessage);
        for (var i = 0; i < matches.Count; i++)
        {
            matches[i] = matches[i] with { Truncated = messages.Truncated[matches[i].MessageIndex] };
        }
        lock (_statisticsLock)
        {
            _statistics = _statistics.Add(messages.Count, (long)messages.Count * interests.Count, 0, 0, 0, 0, messages.Count, TimeSpan.Zero, _time.GetElapsedTime(started));
        }
        ScoringInstruments.FastOnlyMessages.Add(messages.Count);
        return matches;
    }
}
