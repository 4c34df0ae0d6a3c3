using System.ComponentModel.DataAnnotations;

namespace StreamAttention.Scoring.Calibration;

/// <summary>
/// How one embedding provider's (or tier's) raw scores become calibrated scores:
/// calibrated = logistic(A·z + B·raw + C) with z = (raw − μᵢ)/σᵢ, μᵢ and σᵢ interest i's raw-score mean and deviation
/// over the background sample (<see cref="PriorMean"/> and <see cref="PriorDeviation"/> until the sample is large
/// enough). Fitted on the dev split of tests/data/eval by <c>eval --fit-calibration</c> (docs/benchmarks.md).
/// </summary>
public sealed class CalibrationModel
{
    /// <summary>Weight of the interest-relative score z; positive, so the map is increasing in the raw score.</summary>
    [Range(1e-6, 1000.0)]
    public double A { get; set; }

    /// <summary>Weight of the raw score itself (what z does not see: how good a match is in absolute terms).</summary>
    [Range(0.0, 1000.0)]
    public double B { get; set; }

    /// <summary>Intercept, set so that a calibrated 0.5 is where the dev split's F1 was best.</summary>
    [Range(-1000.0, 1000.0)]
    public double C { get; set; }

    /// <summary>μ of an interest before the background sample is large enough: the dev interests' mean.</summary>
    [Range(-10.0, 10.0)]
    public float PriorMean { get; set; }

    /// <summary>σ of an interest before the background sample is large enough: the dev interests' mean.</summary>
    [Range(1e-4, 10.0)]
    public float PriorDeviation { get; set; }

    /// <summary>
    /// The fitted models by provider (<c>Embeddings:Provider</c>); another tier adds a key. Fitted by
    /// <c>eval --split dev --fit-calibration --providers glove,distilled,minilm</c>.
    /// </summary>
    public static Dictionary<string, CalibrationModel> Defaults() => new()
    {
        ["glove"] = new() { A = 2.4843, B = 1.9769, C = -6.5276, PriorMean = 0.4261f, PriorDeviation = 0.0974f },
        ["distilled"] = new() { A = 2.1449, B = 0, C = -6.0793, PriorMean = 0.1698f, PriorDeviation = 0.0989f },
        ["minilm"] = new() { A = 2.0963, B = 0, C = -6.6703, PriorMean = 0.0665f, PriorDeviation = 0.0925f },
        // A model of one's own has no fit here: minilm's, which uses z alone (the interest-relative score), is the safest guess.
        ["transformer"] = new() { A = 2.0963, B = 0, C = -6.6703, PriorMean = 0.0665f, PriorDeviation = 0.0925f },
    };
}
