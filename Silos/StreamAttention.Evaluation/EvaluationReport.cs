using System.Globalization;
using System.Text;

namespace StreamAttention.Evaluation;

/// <summary>One interest's results under one method.</summary>
/// <param name="AveragePrecision">Null when no message is relevant to the interest.</param>
/// <param name="Counts">Outcome at <paramref name="Threshold"/>, the interest's configured threshold.</param>
/// <param name="BestF1">The threshold that would have maximised this interest's F1, for calibration.</param>
public sealed record InterestEvaluation(
    string InterestId,
    int RelevantCount,
    double? AveragePrecision,
    float Threshold,
    Confusion Counts,
    ThresholdChoice BestF1);

/// <summary>How one scoring method did on a labelled set.</summary>
/// <param name="Micro">Counts summed over every (interest, message) pair, interests without relevant messages included:
/// their alerts are real false alarms.</param>
/// <param name="MeanAveragePrecision">Mean AP over interests with at least one relevant message.</param>
/// <param name="MacroF1">Mean per-interest F1 over the same interests as MAP.</param>
/// <param name="BestGlobal">The one threshold for every interest that maximises the micro F1, with its counts: what the
/// scores allow without per-interest calibration, to judge the default thresholds against.</param>
public sealed record MethodEvaluation(
    string Method,
    int MessageCount,
    IReadOnlyList<InterestEvaluation> Interests,
    double MeanAveragePrecision,
    Confusion Micro,
    double MacroF1,
    ThresholdChoice BestGlobal)
{
    /// <summary>Messages scored per second against every interest (embedding included), where measured.</summary>
    public double? MessagesPerSecond { get; init; }

    /// <summary>
    /// The process's CPU time per message of the same scoring pass, where measured: unlike messages per second it does
    /// not depend on what else the machine runs.
    /// </summary>
    public double? CpuMillisecondsPerMessage { get; init; }

    /// <summary>Interests left out of MAP and macro-F1 because nothing is relevant to them.</summary>
    public int InterestsWithoutRelevant => Interests.Count(interest => interest.AveragePrecision is null);

    /// <summary>
    /// Mean per-interest F1 at each interest's F1-optimal threshold, over the same interests as MAP: what the method
    /// can reach once thresholds are calibrated, comparable across methods whose scores live on different scales.
    /// </summary>
    public double CalibratedMacroF1
    {
        get
        {
            var judged = Interests.Where(interest => interest.AveragePrecision is not null).ToList();
            return judged.Count == 0 ? 0 : judged.Average(interest => interest.BestF1.Counts.F1);
        }
    }
}

/// <summary>Scores methods against <see cref="RelevanceLabels"/> and lays the results out as plain-text tables.</summary>
public static class EvaluationReport
{
    /// <summary>
    /// Evaluates one method's <paramref name="scores"/>, laid out [interest, message] in the order of
    /// <paramref name="interestIds"/> and <paramref name="messageIds"/>; <paramref name="thresholds"/> holds one threshold per interest.
    /// </summary>
    public static MethodEvaluation Evaluate(
        string method,
        IReadOnlyList<string> interestIds,
        IReadOnlyList<string> messageIds,
        float[,] scores,
        RelevanceLabels labels,
        IReadOnlyList<float> thresholds)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        if (scores.GetLength(0) != interestIds.Count || scores.GetLength(1) != messageIds.Count)
        {
            throw new ArgumentException(
                $"Scores are {scores.GetLength(0)}x{scores.GetLength(1)} but there are {interestIds.Count} interests and {messageIds.Count} messages.",
                nameof(scores));
        }

        if (thresholds.Count != interestIds.Count)
        {
            throw new ArgumentException($"Got {thresholds.Count} thresholds for {interestIds.Count} interests.", nameof(thresholds));
        }

        // An unlabelled message would silently count as irrelevant to everything, which skews every metric.
        var unlabelled = messageIds.FirstOrDefault(id => !labels.IsLabelled(id));
        if (unlabelled is not null)
        {
            throw new ArgumentException($"Message \"{unlabelled}\" has no label line.", nameof(labels));
        }

        var row = new float[messageIds.Count];
        var relevant = new bool[messageIds.Count];
        var allScores = new float[interestIds.Count * messageIds.Count];
        var allRelevant = new bool[allScores.Length];
        var interests = new List<InterestEvaluation>(interestIds.Count);
        var micro = default(Confusion);
        for (var interest = 0; interest < interestIds.Count; interest++)
        {
            var interestId = interestIds[interest];
            var relevantCount = 0;
            for (var message = 0; message < messageIds.Count; message++)
            {
                row[message] = scores[interest, message];
                relevant[message] = labels.IsRelevant(interestId, messageIds[message]);
                relevantCount += relevant[message] ? 1 : 0;
            }

            row.CopyTo(allScores, interest * messageIds.Count);
            relevant.CopyTo(allRelevant, interest * messageIds.Count);
            var counts = RankingMetrics.Count(row, relevant, thresholds[interest]);
            micro += counts;
            interests.Add(new InterestEvaluation(
                interestId,
                relevantCount,
                RankingMetrics.AveragePrecision(row, relevant),
                thresholds[interest],
                counts,
                RankingMetrics.BestF1Threshold(row, relevant)));
        }

        var judged = interests.Where(interest => interest.AveragePrecision is not null).ToList();
        return new MethodEvaluation(
            method,
            messageIds.Count,
            interests,
            judged.Count == 0 ? 0 : judged.Average(interest => interest.AveragePrecision!.Value),
            micro,
            judged.Count == 0 ? 0 : judged.Average(interest => interest.Counts.F1),
            RankingMetrics.BestF1Threshold(allScores, allRelevant));
    }

    /// <summary>
    /// One row per method: MAP, micro precision/recall/F1 at the configured thresholds, macro-F1, macro-F1 at calibrated
    /// thresholds, the best single global threshold with its micro P/R/F1, and messages per second where measured.
    /// </summary>
    public static string FormatComparison(IReadOnlyList<MethodEvaluation> methods)
    {
        ArgumentOutOfRangeException.ThrowIfZero(methods.Count);
        var first = methods[0];
        if (methods.Any(method => method.Interests.Count != first.Interests.Count || method.MessageCount != first.MessageCount))
        {
            throw new ArgumentException("Methods can only be compared on the same interests and messages.", nameof(methods));
        }

        var rows = methods.Select(method => new[]
        {
            method.Method,
            Number(method.MeanAveragePrecision),
            Number(method.Micro.Precision),
            Number(method.Micro.Recall),
            Number(method.Micro.F1),
            Number(method.MacroF1),
            Number(method.CalibratedMacroF1),
            Number(method.BestGlobal.Threshold),
            Number(method.BestGlobal.Counts.Precision),
            Number(method.BestGlobal.Counts.Recall),
            Number(method.BestGlobal.Counts.F1),
            method.MessagesPerSecond?.ToString("0", CultureInfo.InvariantCulture) ?? "-",
            method.CpuMillisecondsPerMessage?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-",
        });
        var table = Table(["method", "MAP", "P", "R", "F1", "macro-F1", "calibrated macro-F1", "global threshold", "P@global", "R@global", "F1@global", "msg/s", "CPU ms/msg"], rows);
        return table + string.Create(
            CultureInfo.InvariantCulture,
            $"{first.Interests.Count} interests x {first.MessageCount} messages; P, R, F1 micro-averaged at each interest's threshold, " +
            $"@global at the one threshold that maximises F1 over all pairs; " +
            $"interests with no relevant message, left out of MAP and macro-F1: {first.InterestsWithoutRelevant}{Environment.NewLine}");
    }

    /// <summary>Per interest: AP, F1 at the configured threshold, and the F1-maximising threshold with its F1.</summary>
    public static string FormatCalibration(MethodEvaluation method)
    {
        var rows = method.Interests.Select(interest => new[]
        {
            interest.InterestId,
            interest.RelevantCount.ToString(CultureInfo.InvariantCulture),
            interest.AveragePrecision is { } ap ? Number(ap) : "-",
            Number(interest.Threshold),
            Number(interest.Counts.F1),
            Number(interest.BestF1.Threshold),
            Number(interest.BestF1.Counts.F1),
        });
        return $"{method.Method}{Environment.NewLine}" +
            Table(["interest", "relevant", "AP", "threshold", "F1", "best threshold", "best F1"], rows);
    }

    private static string Number(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Left-aligned first column, right-aligned numbers, columns two spaces apart.</summary>
    private static string Table(string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(column => all.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in all)
        {
            for (var column = 0; column < row.Length; column++)
            {
                if (column > 0)
                {
                    text.Append("  ");
                }

                text.Append(column == 0 ? row[column].PadRight(widths[column]) : row[column].PadLeft(widths[column]));
            }

            text.Append(Environment.NewLine);
        }

        return text.ToString();
    }
}
