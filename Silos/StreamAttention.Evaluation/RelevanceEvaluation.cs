using System.Diagnostics;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Scoring;

namespace StreamAttention.Evaluation;

/// <summary>
/// Scores a labelled set with the configured two-stage scoring and, in the same run, with two baselines:
/// pooled-embedding cosine (stage 1 alone) and BM25 over the same texts.
/// Thresholds: the configured scoring and pooled cosine use the interests' thresholds (both are cosines);
/// BM25 scores have no comparable scale, so BM25 gets its own per-interest F1-optimal thresholds, which flatters it.
/// </summary>
public static class RelevanceEvaluation
{
    public const string ConfiguredMethod = "cross-attention";
    public const string PooledMethod = "pooled cosine";
    public const string Bm25Method = "BM25";
    private const int BatchSize = 1024;

    public static IReadOnlyList<MethodEvaluation> Run(MessageScorer scorer, IReadOnlyList<InterestDefinition> interests,
        IReadOnlyList<MessageText> messages, RelevanceLabels labels, Func<string, IReadOnlyList<string>> tokenizer) =>
        [.. EmbeddingMethods(scorer, interests, messages, labels), Bm25(interests, messages, labels, tokenizer)];

    /// <summary>
    /// The configured scoring and its pooled cosine (stage 1 alone), at the interests' thresholds, with the messages per
    /// second of the scoring pass (every pair kept, embedding included). <paramref name="prefix"/> names the methods,
    /// e.g. "distilled: " when several providers are compared.
    /// </summary>
    public static IReadOnlyList<MethodEvaluation> EmbeddingMethods(MessageScorer scorer, IReadOnlyList<InterestDefinition> interests,
        IReadOnlyList<MessageText> messages, RelevanceLabels labels, string prefix = "")
    {
        var index = scorer.BuildIndex(interests);
        var interestIds = interests.Select(i => i.Id).ToArray();
        var messageIds = messages.Select(m => m.Id).ToArray();
        var (configured, pooled, _, cost) = ScoreEveryPair(scorer, index, messages);
        return
        [
            EvaluationReport.Evaluate(prefix + ConfiguredMethod, interestIds, messageIds, configured, labels, index.Thresholds)
                with { MessagesPerSecond = cost.MessagesPerSecond, CpuMillisecondsPerMessage = cost.CpuMillisecondsPerMessage },
            EvaluationReport.Evaluate(prefix + PooledMethod, interestIds, messageIds, pooled, labels, index.Thresholds)
                with { MessagesPerSecond = cost.MessagesPerSecond, CpuMillisecondsPerMessage = cost.CpuMillisecondsPerMessage },
        ];
    }

    /// <summary>
    /// The raw (uncalibrated) scores of every pair, [interest, message], with their labels: what
    /// <c>eval --fit-calibration</c> fits (<see cref="CalibrationFit"/>), run on the dev split.
    /// </summary>
    public static LabelledScores RawScores(MessageScorer scorer, IReadOnlyList<InterestDefinition> interests, IReadOnlyList<MessageText> messages, RelevanceLabels labels)
    {
        var (_, _, raw, _) = ScoreEveryPair(scorer, scorer.BuildIndex(interests), messages);
        var relevant = new bool[interests.Count, messages.Count];
        for (var i = 0; i < interests.Count; i++)
        {
            for (var m = 0; m < messages.Count; m++)
            {
                relevant[i, m] = labels.IsRelevant(interests[i].Id, messages[m].Id);
            }
        }
        return new LabelledScores(raw, relevant);
    }

    /// <summary>
    /// Every pair's final, pooled and raw scores, [interest, message], and what scoring cost: messages per second and the
    /// process's CPU milliseconds per message (embedding included).
    /// </summary>
    private static (float[,] Final, float[,] Pooled, float[,] Raw, (double MessagesPerSecond, double CpuMillisecondsPerMessage) Cost) ScoreEveryPair(MessageScorer scorer, InterestIndex index, IReadOnlyList<MessageText> messages)
    {
        RequireUnique(index.Interests.Select(i => i.Id), "Interest", nameof(index));
        RequireUnique(messages.Select(m => m.Id), "Message", nameof(messages));
        var row = index.Interests.Select((interest, i) => (interest.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var column = messages.Select((message, m) => (message.Id, m)).ToDictionary(x => x.Id, x => x.m);
        var final = new float[index.Count, messages.Count];
        var pooled = new float[index.Count, messages.Count];
        var raw = new float[index.Count, messages.Count];
        using var process = Process.GetCurrentProcess();
        var cpuStarted = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        for (var start = 0; start < messages.Count; start += BatchSize)
        {
            foreach (var match in scorer.Score(messages.Skip(start).Take(BatchSize).ToArray(), index, minScoreOverride: -1))
            {
                final[row[match.InterestId], column[match.MessageId]] = match.Score;
                pooled[row[match.InterestId], column[match.MessageId]] = match.PrefilterScore;
                raw[row[match.InterestId], column[match.MessageId]] = match.RawScore ?? match.Score;
            }
        }
        var wall = stopwatch.Elapsed;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuStarted;
        return (final, pooled, raw, (messages.Count / Math.Max(wall.TotalSeconds, 1e-9), cpu.TotalMilliseconds / Math.Max(messages.Count, 1)));
    }

    /// <summary>BM25 over the same texts, at per-interest F1-optimal thresholds (BM25 scores have no common scale).</summary>
    public static MethodEvaluation Bm25(IReadOnlyList<InterestDefinition> interests, IReadOnlyList<MessageText> messages, RelevanceLabels labels,
        Func<string, IReadOnlyList<string>> tokenizer)
    {
        var interestIds = interests.Select(i => i.Id).ToArray();
        var messageIds = messages.Select(m => m.Id).ToArray();
        var bm25Index = new Bm25Index(messages.Select(m => m.Text).ToArray(), tokenizer);
        var bm25 = new float[interests.Count, messages.Count];
        var bm25Thresholds = new float[interests.Count];
        var relevant = new bool[messages.Count];
        for (var i = 0; i < interests.Count; i++)
        {
            var scores = bm25Index.Score(interests[i].Text);
            for (var m = 0; m < messages.Count; m++)
            {
                bm25[i, m] = scores[m];
                relevant[m] = labels.IsRelevant(interestIds[i], messageIds[m]);
            }
            bm25Thresholds[i] = RankingMetrics.BestF1Threshold(scores, relevant).Threshold;
        }
        return EvaluationReport.Evaluate(Bm25Method + " (oracle thresholds)", interestIds, messageIds, bm25, labels, bm25Thresholds);
    }

    private static void RequireUnique(IEnumerable<string> ids, string kind, string parameter)
    {
        var duplicate = ids.GroupBy(id => id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{kind} id '{duplicate.Key}' is used more than once; labels name {kind.ToLowerInvariant()}s by id alone.", parameter);
        }
    }
}
