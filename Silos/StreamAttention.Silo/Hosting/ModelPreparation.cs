using Microsoft.Extensions.Logging.Console;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Distilled;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;
using StreamAttention.Onnx.Options;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Silo.Hosting;

/// <summary>Prepares the configured provider's model before a host starts, so a first run shows a progress bar instead of a silent wait.</summary>
public static class ModelPreparation
{
    /// <param name="hashEveryFile">
    /// Hash every stamped file of the cache first, deleting those altered (<see cref="ModelCacheDirectory.RemoveAlteredFilesAsync"/>),
    /// as <c>setup</c> does: other commands trust a file whose length and write time match its stamp.
    /// </param>
    /// <returns>Where the model is, or null for a provider that brings its own files.</returns>
    public static async Task<string?> EnsureAsync(IConfiguration configuration, TextWriter progressWriter, CancellationToken cancellationToken, bool hashEveryFile = false)
    {
        var provider = StreamAttentionHost.ProviderOf(configuration);
        // Warnings only, beside the progress bars: a cached file found changed, and why it is prepared again.
        using var loggers = LoggerFactory.Create(logging =>
        {
            logging.AddSimpleConsole(options => options.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
            logging.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        if (hashEveryFile)
        {
            string[] directories =
            [
                configuration.GetValidated<MiniLmOptions>(MiniLmOptions.SectionName).ResolveModelDirectory(),
                configuration.GetValidated<DistilledModelOptions>(DistilledModelOptions.SectionName).ResolveModelDirectory(),
                configuration.GetValidated<WordVectorOptions>(WordVectorOptions.SectionName).ResolveModelDirectory(),
            ];
            await ModelCacheDirectory.RemoveAlteredFilesAsync(directories, loggers.CreateLogger(nameof(ModelPreparation)), cancellationToken);
        }
        // The cascade and contextual tiers run MiniLM beside any provider.
        if (provider != "minilm" && !string.Equals(configuration["Scoring:Tier"] ?? "fast", "fast", StringComparison.OrdinalIgnoreCase))
        {
            await EnsureMiniLmAsync(configuration, progressWriter, loggers, cancellationToken);
        }
        switch (provider)
        {
            case "glove":
            {
                var options = configuration.GetValidated<WordVectorOptions>(WordVectorOptions.SectionName);
                using var bar = new ConsoleProgressBar("preparing glove-6b-100d", progressWriter);
                var path = await new WordVectorModelSetup(loggers.CreateLogger<WordVectorModelSetup>()).EnsureAsync(options, bar, cancellationToken);
                bar.Complete();
                return path;
            }
            case "minilm":
                return (await EnsureMiniLmAsync(configuration, progressWriter, loggers, cancellationToken)).ModelPath;
            case "distilled":
            {
                var options = configuration.GetValidated<DistilledModelOptions>(DistilledModelOptions.SectionName);
                var miniLm = configuration.GetValidated<MiniLmOptions>(MiniLmOptions.SectionName);
                var onnx = configuration.GetValidated<OnnxRuntimeOptions>(OnnxRuntimeOptions.SectionName);
                using var bar = new ConsoleProgressBar($"distilling {DistilledModelSetup.ModelName}", progressWriter);
                var wordVectors = configuration.GetValidated<WordVectorOptions>(WordVectorOptions.SectionName);
                var files = await new DistilledModelSetup(new MiniLmModelSetup(loggers.CreateLogger<MiniLmModelSetup>()),
                        new WordVectorModelSetup(loggers.CreateLogger<WordVectorModelSetup>()), new OnnxSessionFactory(onnx), loggers.CreateLogger<DistilledModelSetup>())
                    .EnsureAsync(options, miniLm, wordVectors, bar, cancellationToken);
                bar.Complete();
                return files.TablePath;
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// <see cref="EnsureAsync"/> for a command whose own work comes after it (<c>score</c>, <c>eval</c>): Ctrl+C or SIGTERM
    /// stops the preparation with the files it was writing deleted (<see cref="CommandInterruption"/>) and says so.
    /// </summary>
    /// <returns>Null once the model is ready; the signal's exit code (130, 143) when one stopped the preparation.</returns>
    public static async Task<int?> EnsureUnlessStoppedAsync(string command, IConfiguration configuration, CancellationToken cancellationToken)
    {
        using var interruption = new CommandInterruption(cancellationToken);
        try
        {
            await EnsureAsync(configuration, Console.Error, interruption.Token);
            return null;
        }
        catch (OperationCanceledException) when (interruption.ExitCode is { } exitCode)
        {
            Console.Error.WriteLine($"{command}: interrupted while it prepared the model; the partial files it was writing were deleted");
            return exitCode;
        }
    }

    private static async Task<MiniLmModelFiles> EnsureMiniLmAsync(IConfiguration configuration, TextWriter progressWriter, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var options = configuration.GetValidated<MiniLmOptions>(MiniLmOptions.SectionName);
        using var bar = new ConsoleProgressBar($"extracting {MiniLmModelSetup.ModelName}", progressWriter);
        var files = await new MiniLmModelSetup(loggers.CreateLogger<MiniLmModelSetup>()).EnsureAsync(options, bar, cancellationToken);
        bar.Complete();
        return files;
    }
}
