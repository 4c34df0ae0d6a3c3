using Microsoft.Extensions.Logging;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>A bring-your-own model's scores are calibrated with another model's fit unless one is configured: the start says which.</summary>
public sealed class TransformerCalibrationWarningTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task A_transformer_model_without_a_fit_of_its_own_is_warned_of_at_start_with_how_to_fit_one()
    {
        var logs = await StartAsync();

        // It used to borrow MiniLM's fit without a word.
        var warning = Assert.Single(logs.Logs, log => log.Level == LogLevel.Warning && log.Message.Contains("calibrated with")).Message;
        Assert.Contains("Scoring:CalibrationModels:transformer, a copy of MiniLM's fit", warning);
        Assert.Contains("--fit-calibration", warning);
    }

    [Fact]
    public async Task A_transformer_model_with_a_configured_fit_is_told_without_a_warning()
    {
        var logs = await StartAsync("--Scoring:CalibrationKey=tiny", "--Scoring:CalibrationModels:tiny:A=0.5", "--Scoring:CalibrationModels:tiny:B=9",
            "--Scoring:CalibrationModels:tiny:C=-5", "--Scoring:CalibrationModels:tiny:PriorMean=0.05", "--Scoring:CalibrationModels:tiny:PriorDeviation=0.06");

        Assert.DoesNotContain(logs.Logs, log => log.Level == LogLevel.Warning && log.Message.Contains("calibrated with"));
        Assert.Contains(logs.Messages, message => message.Contains("calibrated with Scoring:CalibrationModels:tiny as configured"));
    }

    private async Task<RecordingLoggerProvider> StartAsync(params string[] settings)
    {
        var (modelPath, vocabPath) = new TransformerTestModel(seed: 1).WriteTo(Directory.CreateDirectory(_files.Path("model").FullName).FullName);
        var builder = StreamAttentionHost.CreateBuilder(["--Embeddings:Provider=transformer", $"--Embeddings:Transformer:ModelPath={modelPath}",
            $"--Embeddings:Transformer:VocabPath={vocabPath}", .. settings]);
        var logs = new RecordingLoggerProvider();
        builder.Logging.AddProvider(logs);
        using var host = builder.Build();
        await host.StartAsync();
        await host.StopAsync();
        return logs;
    }
}
