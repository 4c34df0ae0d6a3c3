using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.MiniLm;

/// <summary>The extracted model: the float ONNX graph, its WordPiece vocabulary, and the int8 graph when it was asked for.</summary>
public sealed record MiniLmModelFiles(string ModelPath, string VocabularyPath, string? QuantizedModelPath = null)
{
    /// <summary>What the transformer embedder needs to run these files with <paramref name="options"/> on <paramref name="executionProvider"/> (cpu or cuda).</summary>
    public TransformerEmbeddingOptions EmbedderOptions(MiniLmOptions options, string executionProvider) => new()
    {
        ModelPath = options.RunsInt8(executionProvider)
            ? QuantizedModelPath ?? throw new InvalidOperationException("The int8 model was not prepared: pass the same options to MiniLmModelSetup.EnsureAsync.")
            : ModelPath,
        VocabPath = VocabularyPath,
        Name = MiniLmModelSetup.ModelName,
        MaxTokens = options.MaxTokens,
        BatchSize = options.BatchSize,
    };

    /// <summary>
    /// MiniLM as a transformer embedder on <paramref name="sessions"/>, the model chosen for the provider they run on: where
    /// CUDA was asked for but is unavailable, the one <see cref="MiniLmOptions.Quantization"/> chooses for CPU (Auto: the
    /// int8 one, ~2.5× less CPU per message), so a GPU image on a host without a GPU does not run the float model on its CPU.
    /// </summary>
    /// <exception cref="ModelFilesException">The files cannot be used: changed in the cache in a way their stamps do not show.</exception>
    public TransformerEmbedder CreateEmbedder(MiniLmOptions options, OnnxSessionFactory sessions, ILogger<TransformerEmbedder>? logger)
    {
        var embedder = EmbedderOptions(options, sessions.ExecutionProvider);
        try
        {
            // Its name is its identity (MaxTokens beside it where not the default): the float file is the published one
            // (checksum verified) and the int8 one made from it, which embeds alike within int8's rounding, so a CPU silo
            // and a GPU silo serve one cluster.
            return new TransformerEmbedder(embedder, sessions, logger, identity: MiniLmModelSetup.ModelName);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelFilesException($"the cached MiniLM files {embedder.ModelPath} and {embedder.VocabPath} cannot be used ({e.Message}): "
                + "delete them with their .stamp files and run setup again", e);
        }
    }
}

/// <summary>
/// Extracts all-MiniLM-L6-v2 from the package assembly into the model cache once, verifying each file's SHA-256
/// before publishing it by an atomic rename, so a reader never sees a half-written or altered model, and again (by its
/// stamp, <see cref="ModelCacheStamp"/>) each time it is used, extracting a changed file again; unless
/// <see cref="MiniLmOptions.Quantization"/> is None it also writes the int8 model once (<see cref="MiniLmQuantizer"/>).
/// </summary>
public sealed class MiniLmModelSetup(ILogger<MiniLmModelSetup>? logger = null)
{
    public const string ModelName = "all-minilm-l6-v2";

    public const string ModelSha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";
    public const string VocabularySha256 = "b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f";

    private static readonly ModelFile[] Files =
    [
        new(MiniLmPackage.ModelResource, "model.onnx", 90_893_304, ModelSha256),
        new(MiniLmPackage.VocabularyResource, "vocab.txt", 262_030, VocabularySha256),
    ];

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <summary>Returns the extracted files, extracting (and quantizing) what is missing first.</summary>
    /// <param name="progress">0 to 1 while extracting and quantizing; 1 at once when the files are there.</param>
    public async Task<MiniLmModelFiles> EnsureAsync(MiniLmOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var quantize = options.PreparesInt8
            && !File.Exists(Path.Combine(options.ResolveModelDirectory(), MiniLmQuantizer.FileName));
        // Quantizing (~2 s) takes the last fifth of the progress when it is still to do.
        var files = await ExtractAsync(options, progress is null || !quantize ? progress : new ScaledProgress(progress, 0, 0.8), cancellationToken);
        if (!options.PreparesInt8)
        {
            return files;
        }
        var quantized = await MiniLmQuantizer.EnsureAsync(files.ModelPath, _logger, cancellationToken);
        if (quantize)
        {
            progress?.Report(1);
        }
        return files with { QuantizedModelPath = quantized };
    }

    /// <summary>The float model and vocabulary only (what the distilled table is made from), extracted when missing.</summary>
    public async Task<MiniLmModelFiles> ExtractAsync(MiniLmOptions options, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var directory = options.ResolveModelDirectory();
        var result = new MiniLmModelFiles(Path.Combine(directory, Files[0].FileName), Path.Combine(directory, Files[1].FileName));
        // Against the published checksums; the stamps spare hashing 91 MB (~0.3 s) at every start.
        var missing = new List<ModelFile>();
        foreach (var file in Files)
        {
            if (!await ModelCacheStamp.VerifyAsync(Path.Combine(directory, file.FileName), file.Sha256, _logger, cancellationToken))
            {
                missing.Add(file);
            }
        }
        if (missing.Count == 0)
        {
            progress?.Report(1);
            return result;
        }
        ModelCacheDirectory.Create(directory);
        var stopwatch = Stopwatch.StartNew();
        var assembly = options.ResolvePackageAssembly();
        var total = (double)missing.Sum(f => f.Length);
        long done = 0;
        foreach (var file in missing)
        {
            var before = done;
            await ExtractFileAsync(assembly, file, Path.Combine(directory, file.FileName),
                progress is null ? null : new SynchronousProgress(copied => progress.Report((before + copied) / total)), cancellationToken);
            done += file.Length;
        }
        _logger.LogInformation("{Model} extracted from {Assembly} into {Directory} in {Seconds:F1} s", ModelName, assembly, directory, stopwatch.Elapsed.TotalSeconds);
        return result;
    }

    private static async Task ExtractFileAsync(string assembly, ModelFile file, string path, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await ModelCacheFile.PublishAsync(path,
            (output, token) => MiniLmPackage.CopyResourceAsync(assembly, file.Resource, output, progress, token),
            cancellationToken,
            verify: actual =>
            {
                if (actual != file.Sha256)
                {
                    throw new InvalidDataException($"Resource {file.Resource} of {assembly} has SHA-256 {actual}, expected {file.Sha256}: not the expected package version.");
                }
            });
    }

    private sealed record ModelFile(string Resource, string FileName, long Length, string Sha256);

    /// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> would post each report).</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
