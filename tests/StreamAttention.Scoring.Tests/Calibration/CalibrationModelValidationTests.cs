using System.ComponentModel.DataAnnotations;
using StreamAttention.Scoring.Calibration;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.Tests.Calibration;

public sealed class CalibrationModelValidationTests
{
    [Fact]
    public void A_model_on_the_raw_score_alone_is_valid_and_one_flat_in_the_raw_score_is_not()
    {
        // What eval --fit-calibration prints when the raw score alone fits best (A = 0) must start a silo as printed.
        var rawAlone = new ScoringOptions { CalibrationKey = "distilled", CalibrationModels = new() { ["distilled"] = new CalibrationModel { A = 0, B = 10.8, C = -4.4, PriorMean = 0.08f, PriorDeviation = 0.09f } } };
        var flat = new ScoringOptions { CalibrationKey = "distilled", CalibrationModels = new() { ["distilled"] = new CalibrationModel { A = 0, B = 0, C = -4.4, PriorMean = 0.08f, PriorDeviation = 0.09f } } };
        var rawAloneErrors = new List<ValidationResult>();
        var flatErrors = new List<ValidationResult>();

        Assert.True(Validator.TryValidateObject(rawAlone, new ValidationContext(rawAlone), rawAloneErrors, validateAllProperties: true), string.Join("; ", rawAloneErrors));
        Assert.False(Validator.TryValidateObject(flat, new ValidationContext(flat), flatErrors, validateAllProperties: true));
        Assert.Contains(flatErrors, e => e.ErrorMessage == "Scoring:CalibrationModels:distilled: A or B must be positive.");
    }
}
