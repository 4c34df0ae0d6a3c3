using StreamAttention.Scoring.Calibration;

namespace StreamAttention.Evaluation;

/// <summary>One labelled set's raw scores and relevance, laid out [interest, message].</summary>
public sealed record LabelledScores(float[,] Raw, bool[,] Relevant);

/// <summary>How a fitted model does on one set it was fitted on: F1 at 0.5 and at the set's best single threshold.</summary>
public readonly record struct CalibrationCheck(Confusion AtHalf, ThresholdChoice Best);

/// <summary>
/// A fitted <see cref="CalibrationModel"/>, how it does on each set it was fitted on (in order), and which form of the
/// regression it is and why (<see cref="CalibrationFit"/>).
/// </summary>
public sealed record FittedCalibration(CalibrationModel Model, IReadOnlyList<CalibrationCheck> Sets, string Form);

/// <summary>
/// Fits a provider's <see cref="CalibrationModel"/> on labelled raw scores of one or more sets (their dev splits;
/// <c>eval --fit-calibration</c>): each interest's μ and σ over its set's evaluated messages (which are the background,
/// as in <c>score</c> and <c>eval</c>), then a logistic regression of relevance on (z, raw) over every set's pairs by
/// Newton's method, maximizing the log-likelihood with A ≥ 0 and B ≥ 0 (the map must increase with the raw score for
/// thresholds to convert): the free fit when its weights have those signs, else the better by log-likelihood of the
/// two fits on the boundary, z alone (B = 0) or the raw score alone (A = 0); and last the intercept moved so that 0.5 is the single threshold whose F1, as a share of each set's
/// best single-threshold F1, is highest on average over the sets (one set: its F1-optimal threshold lands on 0.5): one
/// default threshold for every provider and set.
/// </summary>
public static class CalibrationFit
{
    private const double Ridge = 1e-3;
    private const int Iterations = 50;

    /// <summary><paramref name="raw"/> and <paramref name="relevant"/> are laid out [interest, message].</summary>
    public static FittedCalibration Fit(float[,] raw, bool[,] relevant) => Fit([new LabelledScores(raw, relevant)]);

    public static FittedCalibration Fit(IReadOnlyList<LabelledScores> sets)
    {
        if (sets.Count == 0)
        {
            throw new ArgumentException("A fit needs at least one labelled set.", nameof(sets));
        }
        var statistics = sets.Select(set => Statistics(set.Raw)).ToArray();
        var everyInterest = statistics.SelectMany(s => s).ToArray();
        var prior = new CalibrationModel
        {
            A = 1,
            PriorMean = everyInterest.Average(s => s.Mean),
            PriorDeviation = Math.Max(everyInterest.Average(s => s.Deviation), 1e-4f),
        };
        var minDeviation = InterestStatistics.MinDeviationShare * prior.PriorDeviation;
        var features = new List<(double Z, double Raw, bool Relevant)>(sets.Sum(s => s.Raw.Length));
        for (var k = 0; k < sets.Count; k++)
        {
            var (raw, relevant) = (sets[k].Raw, sets[k].Relevant);
            for (var i = 0; i < raw.GetLength(0); i++)
            {
                var deviation = Math.Max(statistics[k][i].Deviation, minDeviation);
                for (var m = 0; m < raw.GetLength(1); m++)
                {
                    features.Add(((raw[i, m] - statistics[k][i].Mean) / deviation, raw[i, m], relevant[i, m]));
                }
            }
        }
        var (a, b, c, form) = Constrained(features);
        var model = new CalibrationModel { A = a, B = b, C = c, PriorMean = prior.PriorMean, PriorDeviation = prior.PriorDeviation };
        var threshold = SharedThreshold(sets.Select((set, k) => (Probabilities(model, set.Raw, statistics[k]), Flatten(set.Relevant))).ToArray());
        // Moves that threshold to 0.5 (logit 0): the map stays increasing, only the intercept changes.
        model.C -= Math.Log(threshold / (1.0 - threshold));
        var checks = sets.Select((set, k) =>
        {
            var calibrated = Probabilities(model, set.Raw, statistics[k]);
            var relevant = Flatten(set.Relevant);
            return new CalibrationCheck(RankingMetrics.Count(calibrated, relevant, 0.5f), RankingMetrics.BestF1Threshold(calibrated, relevant));
        }).ToArray();
        return new FittedCalibration(model, checks, form);
    }

    /// <summary>
    /// The maximum-likelihood weights with A ≥ 0 and B ≥ 0: the log-likelihood is concave, so when the free fit breaks a
    /// sign the constrained optimum lies on a boundary, and it is the better of the two boundary fits that keep their
    /// own weight's sign. <c>Form</c> says which was chosen and why.
    /// </summary>
    private static (double A, double B, double C, string Form) Constrained(List<(double Z, double Raw, bool Relevant)> features)
    {
        var free = Logistic(features, Inputs.ZAndRaw);
        var objective = FormattableString.Invariant($"objective: log-likelihood of relevance over {features.Count} pairs");
        if (free.A > 0 && free.B >= 0)
        {
            return (free.A, free.B, free.C, FormattableString.Invariant($"form z and raw: the free fit (log-likelihood {free.LogLikelihood:0.#}); {objective}"));
        }
        var zAlone = Logistic(features, Inputs.Z);
        var rawAlone = Logistic(features, Inputs.Raw);
        var broken = FormattableString.Invariant($"the free fit (A={free.A:0.####} B={free.B:0.####}, log-likelihood {free.LogLikelihood:0.#}) would not increase with the raw score");
        var candidates = new[] { (Fit: zAlone, Name: "z alone (B=0)", Valid: zAlone.A > 0), (Fit: rawAlone, Name: "raw alone (A=0)", Valid: rawAlone.B > 0) };
        var chosen = candidates.Where(c => c.Valid).MaxBy(c => c.Fit.LogLikelihood);
        if (chosen.Name is null)
        {
            throw new InvalidOperationException("Neither z nor the raw score rises with relevance: these scores cannot be calibrated.");
        }
        var other = candidates.Single(c => c.Name != chosen.Name);
        return (chosen.Fit.A, chosen.Fit.B, chosen.Fit.C, FormattableString.Invariant(
            $"form {chosen.Name}: {broken}; on the boundary {chosen.Name} has log-likelihood {chosen.Fit.LogLikelihood:0.#}, {other.Name} {(other.Valid ? other.Fit.LogLikelihood.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) : "a weight of the wrong sign")}; {objective}"));
    }

    private static (float Mean, float Deviation)[] Statistics(float[,] raw)
    {
        int interests = raw.GetLength(0), messages = raw.GetLength(1);
        var statistics = new (float Mean, float Deviation)[interests];
        var row = new float[messages];
        for (var i = 0; i < interests; i++)
        {
            for (var m = 0; m < messages; m++)
            {
                row[m] = raw[i, m];
            }
            statistics[i] = InterestStatistics.Of(row);
        }
        return statistics;
    }

    /// <summary>
    /// The score threshold whose F1 relative to each set's best single-threshold F1 is highest on average; candidates
    /// are every set's scores.
    /// </summary>
    private static float SharedThreshold(IReadOnlyList<(float[] Scores, bool[] Relevant)> sets)
    {
        var best = sets.Select(set => RankingMetrics.BestF1Threshold(set.Scores, set.Relevant)).ToArray();
        if (sets.Count == 1)
        {
            return best[0].Threshold;
        }
        var candidates = sets.SelectMany(set => set.Scores).Distinct().ToArray();
        // Each set's scores in descending order with the relevant ones counted, so a candidate's F1 is two binary searches.
        var ranked = sets.Select(set => Ranked(set.Scores, set.Relevant)).ToArray();
        var chosen = best[0].Threshold;
        var bestShare = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            var share = 0.0;
            for (var k = 0; k < sets.Count; k++)
            {
                share += ranked[k].F1At(candidate) / Math.Max(best[k].Counts.F1, 1e-9);
            }
            if (share > bestShare)
            {
                (chosen, bestShare) = (candidate, share);
            }
        }
        return chosen;
    }

    private static RankedScores Ranked(float[] scores, bool[] relevant)
    {
        var order = Enumerable.Range(0, scores.Length).OrderBy(k => scores[k]).ToArray();
        var ascending = order.Select(k => scores[k]).ToArray();
        // relevantFrom[j]: relevant among the scores at positions j.. of the ascending order.
        var relevantFrom = new int[scores.Length + 1];
        for (var j = scores.Length - 1; j >= 0; j--)
        {
            relevantFrom[j] = relevantFrom[j + 1] + (relevant[order[j]] ? 1 : 0);
        }
        return new RankedScores(ascending, relevantFrom);
    }

    private sealed record RankedScores(float[] Ascending, int[] RelevantFrom)
    {
        public double F1At(float threshold)
        {
            // The first position whose score reaches the threshold.
            int lo = 0, hi = Ascending.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (Ascending[mid] < threshold)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            var truePositives = RelevantFrom[lo];
            return new Confusion(truePositives, Ascending.Length - lo - truePositives, RelevantFrom[0] - truePositives).F1;
        }
    }

    private static float[] Probabilities(CalibrationModel model, float[,] raw, (float Mean, float Deviation)[] statistics)
    {
        var calibration = new InterestCalibration(model, statistics.Select(s => new InterestStatistics(s.Mean, s.Deviation, 0)).ToArray());
        int interests = raw.GetLength(0), messages = raw.GetLength(1);
        var scores = new float[interests * messages];
        for (var i = 0; i < interests; i++)
        {
            for (var m = 0; m < messages; m++)
            {
                scores[i * messages + m] = calibration.Calibrated(i, raw[i, m]);
            }
        }
        return scores;
    }

    private static bool[] Flatten(bool[,] relevant) => relevant.Cast<bool>().ToArray();

    /// <summary>Which scores the regression sees besides the intercept.</summary>
    private enum Inputs
    {
        ZAndRaw,
        Z,
        Raw,
    }

    /// <summary>
    /// Logistic regression of relevance on (1, z, raw), (1, z) or (1, raw) by Newton's method with a small ridge on the
    /// slopes; the weight of a score not seen is 0, and the log-likelihood is the data's at the fitted weights.
    /// </summary>
    private static (double A, double B, double C, double LogLikelihood) Logistic(List<(double Z, double Raw, bool Relevant)> data, Inputs inputs)
    {
        var dimensions = inputs == Inputs.ZAndRaw ? 3 : 2;
        var w = new double[dimensions];
        var x = new double[dimensions];
        void Features((double Z, double Raw, bool Relevant) pair)
        {
            x[0] = 1;
            x[1] = inputs == Inputs.Raw ? pair.Raw : pair.Z;
            if (inputs == Inputs.ZAndRaw)
            {
                x[2] = pair.Raw;
            }
        }
        double Logit()
        {
            var logit = 0.0;
            for (var k = 0; k < dimensions; k++)
            {
                logit += w[k] * x[k];
            }
            return logit;
        }
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var gradient = new double[dimensions];
            var hessian = new double[dimensions, dimensions];
            foreach (var pair in data)
            {
                Features(pair);
                var p = 1 / (1 + Math.Exp(-Logit()));
                var residual = (pair.Relevant ? 1 : 0) - p;
                for (var k = 0; k < dimensions; k++)
                {
                    gradient[k] += residual * x[k];
                    for (var l = 0; l < dimensions; l++)
                    {
                        hessian[k, l] += p * (1 - p) * x[k] * x[l];
                    }
                }
            }
            for (var k = 1; k < dimensions; k++)
            {
                gradient[k] -= Ridge * w[k];
                hessian[k, k] += Ridge;
            }
            var step = Solve(hessian, gradient);
            for (var k = 0; k < dimensions; k++)
            {
                w[k] += step[k];
            }
            if (step.Max(Math.Abs) < 1e-9)
            {
                break;
            }
        }
        var logLikelihood = 0.0;
        foreach (var pair in data)
        {
            Features(pair);
            var logit = Logit();
            // log σ(±logit) without overflow: −log(1 + e^(∓logit)).
            var signed = pair.Relevant ? logit : -logit;
            logLikelihood -= signed > 0 ? Math.Log(1 + Math.Exp(-signed)) : -signed + Math.Log(1 + Math.Exp(signed));
        }
        return inputs switch
        {
            Inputs.ZAndRaw => (w[1], w[2], w[0], logLikelihood),
            Inputs.Z => (w[1], 0, w[0], logLikelihood),
            _ => (0, w[1], w[0], logLikelihood),
        };
    }

    /// <summary>Solves the small symmetric positive definite system by Gaussian elimination.</summary>
    private static double[] Solve(double[,] matrix, double[] vector)
    {
        var n = vector.Length;
        var a = (double[,])matrix.Clone();
        var b = (double[])vector.Clone();
        for (var k = 0; k < n; k++)
        {
            for (var r = k + 1; r < n; r++)
            {
                var factor = a[r, k] / a[k, k];
                for (var c = k; c < n; c++)
                {
                    a[r, c] -= factor * a[k, c];
                }
                b[r] -= factor * b[k];
            }
        }
        var solution = new double[n];
        for (var k = n - 1; k >= 0; k--)
        {
            var sum = b[k];
            for (var c = k + 1; c < n; c++)
            {
                sum -= a[k, c] * solution[c];
            }
            solution[k] = sum / a[k, k];
        }
        return solution;
    }
}
