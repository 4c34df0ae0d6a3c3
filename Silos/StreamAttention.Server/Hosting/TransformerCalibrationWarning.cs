using Microsoft.Extensions.Options;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Tells at start which calibration scores a bring-your-own model's matches: calibrated scores decide matches against
/// thresholds, and without a model fitted on this model's scores (in configuration) they are calibrated with another
/// model's fit, by default MiniLM's (the "transformer" entry of <c>CalibrationModel.Defaults</c>), which silently shifts
/// what matches. A warning then, naming the fit in use and how to fit one; an information line for a configured fit.
/// </summary>
internal sealed class TransformerCalibrationWarning(IConfiguration configuration, IOptions<ScoringOptions> scoring,
    IOptions<TransformerEmbeddingOptions> transformer, ILogger<TransformerCalibrationWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = scoring.Value;
        if (options.Calibration != ScoreCalibration.Background)
        {
            return Task.CompletedTask;
        }
        var model = $"{ScoringOptions.SectionName}:{nameof(ScoringOptions.CalibrationModels)}:{options.CalibrationKey}";
        if (configuration.GetSection(model).Exists())
        {
            logger.LogInformation("Scores of the transformer model {ModelPath} are calibrated with {CalibrationModel} as configured", transformer.Value.ModelPath, model);
            return Task.CompletedTask;
        }
        logger.LogWarning("Scores of the transformer model {ModelPath} are calibrated with {CalibrationModel}, {Fit}, not a fit of this model's scores: "
            + "thresholds may match more or fewer messages than they should. Fit one on a labelled set (tests/data/eval in the repository) with "
            + "'streamattention eval --set DIR --split dev --fit-calibration' and this model's Embeddings settings, and set {CalibrationModel}:A, B, C, "
            + "PriorMean and PriorDeviation to the model it prints (or {CalibrationSetting}=None for raw scores)",
            transformer.Value.ModelPath, model, options.CalibrationKey == "transformer" ? "a copy of MiniLM's fit" : $"the default fit for '{options.CalibrationKey}'",
            model, $"{ScoringOptions.SectionName}:{nameof(ScoringOptions.Calibration)}");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
