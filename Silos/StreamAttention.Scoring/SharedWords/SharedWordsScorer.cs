using System.Diagnostics;
using System.Runtime.CompilerServices;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Candidates;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// The <see cref="ScoringEngine.SharedWords"/> engine, in three separable parts:
/// 1. candidates (<see cref="ICandidateGenerator"/>): per message the interests whose pooled cosine p can still reach
///    their threshold, through clusters (<see cref="ClusteredCandidates"/>) or every interest (<see cref="ExhaustiveCandidates"/>);
/// 2. shared-word attention (<see cref="SharedWordAttention"/>): each distinct interest word attends over a message once,
///    whatever the number of interests that contain it;
/// 3. final score s = w·A + (1 − w)·p against the threshold, with highlights for the matches.
/// Same formula as the per-pair engine, so the same matches (up to float rounding). Not thread-safe.
/// </summary>
public sealed class SharedWordsScorer : IDisposable
{
    private readonly ScoringOptions _options;
    private readonly ConditionalWeakTable<InterestIndex, InterestWords> _words = new();
    private readonly CandidateLists _candidates = new();
    private readonly SharedWordAttention _attention;

    public SharedWordsScorer(OnnxSessionFactory sessions, ScoringOptions options)
    {
        _options = options;
        Candidates = options.CandidateClusters < 0
            ? new ExhaustiveCandidates(new PrefilterStage(sessions))
            : new ClusteredCandidates(new PrefilterStage(sessions), new PrefilterStage(sessions), options.CandidateClusters, options.ClusterProbes);
        _attention = new SharedWordAttention(sessions, options);
    }

    public ICandidateGenerator Candidates { get; }

    /// <summary>The distinct words of an index (built on first use, kept while the index lives).</summary>
    public InterestWords WordsOf(InterestIndex interests) => _words.GetValue(interests, InterestWords.Build);

    /// <summary>
    /// Adds the pairs whose final score reaches <paramref name="thresholds"/> to <paramref name="pairs"/>, in
    /// <see cref="RowMatchOrder"/> (sorted per message: a sort of all matches at once costs more).
    /// </summary>
    public void Score(TokenBatch messages, InterestIndex interests, float[] thresholds, List<RowMatch> pairs)
    {
        var weight = _options.AttentionWeight;
        var floor = thresholds.Select(t => (t - weight) / (1 - weight)).ToArray();
        var words = WordsOf(interests);
        for (var start = 0; start < messages.Count; start += _options.MessageChunkSize)
        {
            var count = Math.Min(_options.MessageChunkSize, messages.Count - start);
            _candidates.Reset(start, count);
            var started = Stopwatch.GetTimestamp();
            Candidates.Select(messages, start, count, interests, floor, _candidates);
            if (_options.PrefilterTopK > 0)
            {
                _candidates.KeepTop(_options.PrefilterTopK);
            }
            ScoringInstruments.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "candidates"));
            ScoringInstruments.Pairs.Add((long)count * interests.Count);
            ScoringInstruments.CandidatePairs.Add(_candidates.Total);
            _attention.Run(messages, _candidates, words);
            SelectMatches(messages, words, thresholds, pairs);
        }
    }

    private void SelectMatches(TokenBatch messages, InterestWords words, float[] thresholds, List<RowMatch> pairs)
    {
        var weight = _options.AttentionWeight;
        for (var m = 0; m < _candidates.Count; m++)
        {
            var message = _candidates.Start + m;
            var tokens = messages.TokenCount(message);
            var chosen = _candidates.Interests(m);
            var prefilter = _candidates.Prefilter(m);
            var wordScores = tokens == 0 || chosen.Count == 0 ? default : _attention.WordScores(m);
            var first = pairs.Count;
            for (var c = 0; c < chosen.Count; c++)
            {
                var i = chosen[c];
                var attention = tokens == 0 ? 0 : _attention.InterestScore(wordScores, i, words);
                var score = weight * attention + (1 - weight) * prefilter[c];
                if (score >= thresholds[i])
                {
                    pairs.Add(new RowMatch(message, i, score, prefilter[c], Highlights(messages, m, i, words)));
                }
            }
            pairs.Sort(first, pairs.Count - first, RowMatchOrder.Instance);
        }
    }

    private Contracts.Highlight[] Highlights(TokenBatch messages, int chunkMessage, int interest, InterestWords words)
    {
        var tokens = messages.TokenTexts[_candidates.Start + chunkMessage];
        if (tokens.Length == 0 || _options.HighlightCount == 0)
        {
            return [];
        }
        Span<float> average = stackalloc float[tokens.Length];
        _attention.AverageAttention(messages, chunkMessage, interest, words, average);
        return MatchHighlights.Top(tokens, average, _options.HighlightCount);
    }

    public void Dispose()
    {
        Candidates.Dispose();
        _attention.Dispose();
    }
}
