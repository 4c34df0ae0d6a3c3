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
