using System.Runtime.CompilerServices;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Lexical;

/// <summary>
/// The lexical step after either engine, on the raw texts (<see cref="TokenBatch.Texts"/>):
/// 1. term evidence: s += λ·L with λ = <see cref="ScoringOptions.LexicalWeight"/> and L ∈ [0, 1) a normalised BM25 of
///    the interest's words in the message, L = Σₜ idf(t)·tf/(tf + k₁·(1 − b + b·len/avglen)) / Σₜ idf(t), idf and
///    avglen from <see cref="StreamTermStatistics"/> over the messages this scorer saw (each batch counted before it is
///    scored). Since L &lt; 1, the engines run at thresholds lowered by λ (<see cref="EngineThresholds"/>), which keeps
///    their prefilter bound lossless: p ≥ (θ − λ − w)/(1 − w);
/// 2. keyword rules: a pair whose message lacks a required term or holds an excluded one is dropped (<see cref="KeywordRules"/>).
/// Not thread-safe: the scorer's run lock guards it.
/// </summary>
public sealed class LexicalEvidence(ScoringOptions options)
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private readonly ConditionalWeakTable<InterestIndex, InterestTerms> _terms = new();
    private readonly float _weight = options.LexicalWeight;
    private StreamTermStatistics? _statistics;

    /// <summary>Whether <see cref="Apply"/> changes scores (term evidence on), and so maybe their order; without, it only drops pairs.</summary>
    public bool Rescores => _weight > 0;

    /// <summary>The stream's statistics (null until a batch was scored with a lexical weight).</summary>
    public StreamTermStatistics? Statistics => _statistics;

    /// <summary>Whether <see cref="Apply"/> leaves the engine's pairs as they are for <paramref name="interests"/> (no term evidence, no keyword rules).</summary>
    public bool KeepsEveryPair(InterestIndex interests) => _weight == 0 && !TermsOf(interests).HasRules;

    /// <summary>What the engines must find: every pair that term evidence could still lift to <paramref name="thresholds"/>.</summary>
    public float[] EngineThresholds(float[] thresholds) => _weight == 0 ? thresholds : thresholds.Select(t => t - _weight).ToArray();

    /// <summary>The interests' rules and query words (built on first use, kept while the index lives).</summary>
    public InterestTerms TermsOf(InterestIndex interests) => _terms.GetValue(interests, InterestTerms.Build);

    /// <summary>
    /// Adds term evidence to the engine's <paramref name="matches"/> (found at <see cref="EngineThresholds"/>), keeps
    /// those at <paramref name="thresholds"/> that the interest's rules allow, and says whether scores changed (their
    /// order may have). Without term evidence a match is kept as it is (its score may be a calibrated one): the engine
    /// found it at these very thresholds.
    /// </summary>
    public bool Apply(TokenBatch messages, InterestIndex interests, float[] thresholds, List<RowMatch> matches)
    {
        var terms = TermsOf(interests);
        if (_weight == 0 && !terms.HasRules)
        {
            return false;
        }
        var words = new string[]?[messages.Count];
        string[] WordsOf(int message) => words[message] ??= LexicalWords.Split(messages.Texts[message]);
        if (_weight > 0)
        {
            _statistics ??= new StreamTermStatistics(options.LexicalHalfLife);
            for (var m = 0; m < messages.Count; m++)
            {
                // A long message's windows are consecutive rows carrying the same text object: one document.
                if (m == 0 || !ReferenceEquals(messages.Texts[m], messages.Texts[m - 1]))
                {
                    _statistics.Observe(WordsOf(m));
                }
            }
        }
        var kept = 0;
        for (var k = 0; k < matches.Count; k++)
        {
            var match = matches[k];
            var i = match.InterestIndex;
            if (terms.Rules[i] is { } rules && !rules.Allows(WordsOf(match.MessageIndex)))
            {
                continue;
            }
            if (_weight == 0)
            {
                matches[kept++] = match;
                continue;
            }
            var score = match.Score + _weight * TermScore(terms.QueryWords[i], WordsOf(match.MessageIndex));
            if (score >= thresholds[i])
            {
                matches[kept++] = match with { Score = score };
            }
        }
        matches.RemoveRange(kept, matches.Count - kept);
        return _weight > 0;
    }

    /// <summary>
    /// <see cref="Apply"/> at no threshold on every pair's engine score, raw[i · <paramref name="stride"/> + m] for
    /// interest i and message m: a pair the interest's rules drop becomes 0 (as an absent match), the others get
    /// their term evidence against the statistics as they are (the calibration's background is not stream traffic,
    /// so it is not counted in them).
    /// </summary>
    public void ApplyToEveryPair(TokenBatch messages, InterestIndex interests, Span<float> raw, int stride)
    {
        var terms = TermsOf(interests);
        if (_weight == 0 && !terms.HasRules)
        {
            return;
        }
        for (var m = 0; m < messages.Count; m++)
        {
            var words = LexicalWords.Split(messages.Texts[m]);
            for (var i = 0; i < interests.Count; i++)
            {
                ref var score = ref raw[i * stride + m];
                if (terms.Rules[i] is { } rules && !rules.Allows(words))
                {
                    score = 0;
                }
                else if (_weight > 0)
                {
                    score += _weight * TermScore(terms.QueryWords[i], words);
                }
            }
        }
    }

    /// <summary>L of <paramref name="queryWords"/> in a message's words, in [0, 1): 0 without statistics or query words.</summary>
    public float TermScore(string[] queryWords, string[] messageWords)
    {
        if (_statistics is null || queryWords.Length == 0 || messageWords.Length == 0)
        {
            return 0;
        }
        var norm = K1 * (1 - B + B * messageWords.Length / _statistics.AverageLength);
        double evidence = 0, total = 0;
        foreach (var word in queryWords)
        {
            var idf = _statistics.InverseDocumentFrequency(word);
            var frequency = messageWords.Count(w => w == word);
            evidence += idf * frequency / (frequency + norm);
            total += idf;
        }
        return total > 0 ? (float)(evidence / total) : 0;
    }
}
