using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>The distilled table's file, the vocabulary its ids refer to, and the sentence map that expands interests (null: not expanded).</summary>
public sealed record DistilledModelFiles(string TablePath, string VocabularyPath, string InputsKey, SentenceProjectionFiles? Expansion = null);

/// <summary>
/// Prepares the distilled token table once: extracts MiniLM (<see cref="MiniLmModelSetup"/>), prepares GloVe for its
/// frequency-ordered word list when whole words are distilled (<see cref="WordVectorModelSetup"/>), distils, and
/// publishes the table by an atomic rename; with <see cref="InterestExpansionMode.MiniLm"/> it also fits the map from
/// MiniLM's sentence embeddings into the table's space once (<see cref="SentenceProjectionSetup"/>). The file is named after a hash of its inputs (the models' checksums, the
/// table's format and the options that change it) and records them, so changed inputs get a new table and a loaded
/// table is known to match; each file is checked against its stamp (<see cref="ModelCacheStamp"/>) each time it is used,
/// and prepared again when it changed.
/// </summary>
public sealed class DistilledModelSetup(MiniLmModelSetup miniLm, WordVectorModelSetup wordVectors, OnnxSessionFactory sessions, ILogger<DistilledModelSetup>? logger = null)
{
    public const string ModelName = "minilm-distilled";

    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    /// <param name="progress">0 to 1 while preparing; 1 at once when the table is there.</param>
    /// <param name="wordVectorOptions">Where GloVe, whose vocabulary orders words by frequency, is (read only when whole words are distilled).</param>
    public async Task<DistilledModelFiles> EnsureAsync(DistilledModelOptions options, MiniLmOptions miniLmOptions, WordVectorOptions wordVectorOptions,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var key = InputsKey(options);
        var path = Path.Combine(options.ResolveModelDirectory(), $"{ModelName}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16]}.tokens");
        // Extraction is a few percent of the work; distilling is the rest.
        var files = await miniLm.ExtractAsync(miniLmOptions, progress is null ? null : new ScaledProgress(progress, 0, 0.05), cancellationToken);
        var result = new DistilledModelFiles(path, files.VocabularyPath, key);
        if (!await ModelCacheStamp.VerifyAsync(path, null, _logger, cancellationToken))
        {
            await DistilAsync(result, files, options, wordVectorOptions, progress, cancellationToken);
        }
        if (options.InterestExpansion == InterestExpansionMode.MiniLm)
        {
            // With the int8 model where it runs: what embeds interests is what the map is fitted on.
            var sentences = await miniLm.EnsureAsync(miniLmOptions, cancellationToken: cancellationToken);
            result = result with { Expansion = await SentenceProjectionSetup.EnsureAsync(result, options, sentences, miniLmOptions, sessions, _logger, cancellationToken) };
        }
        progress?.Report(1);
        return result;
    }

    private async Task DistilAsync(DistilledModelFiles result, MiniLmModelFiles files, DistilledModelOptions options, WordVectorOptions wordVectorOptions,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var path = result.TablePath;
        var key = result.InputsKey;
        ModelCacheDirectory.Create(Path.GetDirectoryName(path)!);
        var stopwatch = Stopwatch.StartNew();
        var frequentWords = options.WholeWords == 0
            ? []
            : FirstWords(await wordVectors.EnsureAsync(wordVectorOptions, progress is null ? null : new ScaledProgress(progress, 0.05, 0.05), cancellationToken), options.WholeWords);
        await ModelCacheFile.PublishAsync(path, (output, token) => Task.Run(() =>
        {
            var table = TokenTableDistiller.Distill(files, options, key, sessions, frequentWords, progress is null ? null : new ScaledProgress(progress, 0.1, 0.9), token);
            table.Write(output);
        }, token), cancellationToken);
        _logger.LogInformation("{Model} token table ({Key}) distilled into {Path} in {Seconds:F1} s", ModelName, key, path, stopwatch.Elapsed.TotalSeconds);
    }

    /// <summary>Everything the table depends on; a loaded table must carry the same key.</summary>
    public static string InputsKey(DistilledModelOptions options) => string.Create(CultureInfo.InvariantCulture,
        $"{MiniLmModelSetup.ModelName} model {MiniLmModelSetup.ModelSha256[..16]} vocab {MiniLmModelSetup.VocabularySha256[..16]} table v{DistilledTokenTable.FormatVersion} " +
        $"d {options.Dimension} removed {options.RemovedComponents} limit {options.VocabularyLimit} sif {options.SifA:R} " +
        $"words {options.WholeWords}{(options.WholeWords == 0 ? "" : $" of {WordVectorModelSetup.PackageSpec}")}");

    private static string[] FirstWords(string wordVectorsPath, int count)
    {
        var vectors = WordVectors.Load(wordVectorsPath);
        return Enumerable.Range(0, Math.Min(count, vectors.Count)).Select(vectors.Word).ToArray();
    }
}
