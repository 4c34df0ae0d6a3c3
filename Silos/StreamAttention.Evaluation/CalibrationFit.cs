using StreamAttention.Scoring.Calibration;

namespace StreamAttention.Evaluation;

/// <summary>A fitted <see cref="CalibrationModel"/> and how it does at 0.5 and at its best single threshold on the data it was fitted on.</summary>
public sealed record FittedCalibration(CalibrationModel Model, Confusion AtHalf, ThresholdChoice Best);

/// <summary>
/// Fits a provider's <see cref="CalibrationModel"/> on labelled raw scores (the dev split; <c>eval --fit-calibration</c>):
/// each interest's μ and σ over the evaluated messages (which are the background, as in <c>score</c> and <c>eval</c>),
/// then a logistic regression of relevance on (z, raw) by Newton's method, and last the intercept moved so that the
/// F1-optimal single threshold of the fitted probabilities lands on 0.5: one default threshold for every provider.
/// </summary>
public static class CalibrationFit
{
    private const double Ridge = 1e-3;
    private const int Iterations = 50;

    /// <summary><paramref name="raw"/> and <paramref name="relevant"/> are laid out [interest, message].</summary>
    public static FittedCalibration Fit(float[,] raw, bool[,] relevant)
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
        var prior = new CalibrationModel
        {
            A = 1,
            PriorMean = statistics.Average(s => s.Mean),
            PriorDeviation = Math.Max(statistics.Average(s => s.Deviation), 1e-4f),
        };
        var minDeviation = InterestStatistics.MinDeviationShare * prior.PriorDeviation;
        var features = new List<(double Z, double Raw, bool Relevant)>(interests * messages);
        for (var i = 0; i < interests; i++)
        {
            var deviation = Math.Max(statistics[i].Deviation, minDeviation);
            for (var m = 0; m < messages; m++)
            {
                features.Add(((raw[i, m] - statistics[i].Mean) / deviation, raw[i, m], relevant[i, m]));
            }
        }
        var (a, b, c) = Logistic(features, useRaw: true);
        if (b < 0 || a <= 0)
        {
            // The map must increase with the raw score for thresholds to convert; z alone always can.
            (a, b, c) = Logistic(features, useRaw: false);
        }
        var model = new CalibrationModel { A = a, B = b, C = c, PriorMean = prior.PriorMean, PriorDeviation = prior.PriorDeviation };
        var best = RankingMetrics.BestF1Threshold(Probabilities(model, raw, statistics), Flatten(relevant));
        // Moves the F1-optimal point to 0.5 (logit 0): the map stays increasing, only the intercept changes.
        model.C -= Math.Log(best.Threshold / (1.0 - best.Threshold));
        var calibrated = Probabilities(model, raw, statistics);
        return new FittedCalibration(model, RankingMetrics.Count(calibrated, Flatten(relevant), 0.5f), RankingMetrics.BestF1Threshold(calibrated, Flatten(relevant)));
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

    /// <summary>Logistic regression of relevance on (1, z[, raw]) by Newton's method with a small ridge on the slopes.</summary>
    private static (double A, double B, double C) Logistic(List<(double Z, double Raw, bool Relevant)> data, bool useRaw)
    {
        var dimensions = useRaw ? 3 : 2;
        var w = new double[dimensions];
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var gradient = new double[dimensions];
            var hessian = new double[dimensions, dimensions];
            var x = new double[dimensions];
            foreach (var (z, raw, relevant) in data)
            {
                x[0] = 1;
                x[1] = z;
                if (useRaw)
                {
                    x[2] = raw;
                }
                var logit = 0.0;
                for (var k = 0; k < dimensions; k++)
                {
                    logit += w[k] * x[k];
                }
                var p = 1 / (1 + Math.Exp(-logit));
                var residual = (relevant ? 1 : 0) - p;
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
        return (w[1], useRaw ? w[2] : 0, w[0]);
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
