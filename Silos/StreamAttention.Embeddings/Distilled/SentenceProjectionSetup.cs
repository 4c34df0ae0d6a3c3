using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Embeddings.Transformer;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>The fitted sentence map's file, the key it was fitted from, and MiniLM, whose sentence embeddings it maps.</summary>
public sealed record SentenceProjectionFiles(string Path, string InputsKey, MiniLmModelFiles MiniLm);

/// <summary>
/// Fits the <see cref="SentenceProjection"/> of a distilled table once, when the model pack is prepared (seconds of
/// MiniLM), and publishes it by an atomic rename beside the table, so a process only reads it. The file is named after
/// a hash of its inputs (the table's key, the sentence model's file, the map's format and the words it is fitted on:
/// every <see cref="FitStride"/>th candidate that is not a stop word)
/// and records them, so changed inputs get a new map and a loaded map is known to match; a map whose content changed
/// since (<see cref="ModelCacheStamp"/>) is fitted again.
/// </summary>
public static class SentenceProjectionSetup
{
    /// <summary>Every this many candidate words fit the map (a fifth of them scored as all of them on dev).</summary>
    public const int FitStride = 5;

    /// <summary>
    /// Words per MiniLM call while fitting: the int8 model quantizes each run's activations with one scale, so a
    /// run's neighbours move an embedding slightly; this is the slicing the map was tuned with.
    /// </summary>
    private const int FitSlice = 1024;

    /// <summary>
    /// The map's file for <paramref name="table"/> and MiniLM as <paramref name="miniLmOptions"/> run it on the sessions'
    /// execution provider (int8 or float: the model that embeds interests), fitted first when missing.
    /// </summary>
    public static async Task<SentenceProjectionFiles> EnsureAsync(DistilledModelFiles table, DistilledModelOptions options, MiniLmModelFiles miniLm, MiniLmOptions miniLmOptions,
        OnnxSessionFactory sessions, ILogger logger, CancellationToken cancellationToken)
    {
        var sentenceModel = miniLm.EmbedderOptions(miniLmOptions, sessions.ExecutionProvider);
        var key = InputsKey(table.InputsKey, sentenceModel);
        var path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(table.TablePath)!,
            $"{DistilledModelSetup.ModelName}.{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16]}.map");
        var result = new SentenceProjectionFiles(path, key, miniLm);
        if (await ModelCacheStamp.VerifyAsync(path, null, logger, cancellationToken))
        {
            return result;
        }
        var stopwatch = Stopwatch.StartNew();
        await ModelCacheFile.PublishAsync(path, (output, token) => Task.Run(() =>
        {
            using var words = new DistilledEmbedder(DistilledTokenTable.Load(table.TablePath, table.InputsKey), table.VocabularyPath, options);
            using var sentences = new TransformerEmbedder(sentenceModel, sessions);
            Fit(words, sentences, token).Write(output, key);
        }, token), cancellationToken);
        logger.LogInformation("{Model} sentence map ({Key}) fitted into {Path} in {Seconds:F1} s", DistilledModelSetup.ModelName, key, path, stopwatch.Elapsed.TotalSeconds);
        return result;
    }

    /// <summary>Everything the map depends on; a loaded map must carry the same key.</summary>
    public static string InputsKey(string tableKey, TransformerEmbeddingOptions sentenceModel) => string.Create(CultureInfo.InvariantCulture,
        $"{tableKey} sentences {sentenceModel.Name} {System.IO.Path.GetFileName(sentenceModel.ModelPath)} map v{SentenceProjection.FormatVersion} stride {FitStride} stop {EnglishStopWords.Key}");

    /// <summary>
    /// The least-squares map from <paramref name="sentences"/>' pooled embedding of every <see cref="FitStride"/>th
    /// expansion candidate that the table embeds as one word to that word's table vector.
    /// </summary>
    /// <param name="cancellationToken">Observed between MiniLM's runs (seconds of them).</param>
    public static SentenceProjection Fit(DistilledEmbedder table, ITextEmbedder sentences, CancellationToken cancellationToken = default)
    {
        var candidates = table.ExpansionCandidates();
        var words = table.Embed(candidates);
        var fitted = Enumerable.Range(0, candidates.Length).Where(i => i % FitStride == 0 && words.TokenCount(i) == 1).ToArray();
        var targets = new float[fitted.Length * table.Dimension];
        for (var i = 0; i < fitted.Length; i++)
        {
            words.TokenVector(fitted[i], 0).CopyTo(targets.AsSpan(i * table.Dimension));
        }
        var keys = SentenceEmbeddings.Pooled(sentences, fitted.Select(i => candidates[i]).ToArray(), FitSlice, cancellationToken);
        return SentenceProjection.Fit(keys, sentences.Dimension, targets, table.Dimension);
    }
}
