using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Distils a static token table from MiniLM, Model2Vec-style: every vocabulary piece runs through the model alone
/// (<c>[CLS] piece [SEP]</c>) and its contextual vector (the specials' excluded) is its static vector; PCA centres the
/// vectors, keeps the leading dimensions and drops the direction shared by all pieces; each piece gets a SIF weight
/// from its Zipf rank in the vocabulary, which lists whole words roughly by frequency.
/// </summary>
public static class TokenTableDistiller
{
    private const int SequenceLength = 3;

    /// <param name="progress">0 to 1 over the model runs.</param>
    public static DistilledTokenTable Distill(MiniLmModelFiles files, DistilledModelOptions options, string inputsKey, OnnxSessionFactory sessions,
        IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var vocabulary = File.ReadAllLines(files.VocabularyPath);
        var ids = DistilledIds(vocabulary, options.VocabularyLimit);
        var specials = (Cls: Array.IndexOf(vocabulary, "[CLS]"), Sep: Array.IndexOf(vocabulary, "[SEP]"));
        using var session = sessions.Create(File.ReadAllBytes(files.ModelPath), "distilling the MiniLM token table");
        var hidden = 0;
        float[] raw = [];
        for (var start = 0; start < ids.Length; start += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(options.BatchSize, ids.Length - start);
            var states = RunAlone(session, specials, ids.AsSpan(start, rows), out var dimension);
            if (raw.Length == 0)
            {
                hidden = dimension;
                raw = new float[ids.Length * hidden];
            }
            for (var r = 0; r < rows; r++)
            {
                states.AsSpan((r * SequenceLength + 1) * hidden, hidden).CopyTo(raw.AsSpan((start + r) * hidden));
            }
            progress?.Report((double)(start + rows) / ids.Length);
        }
        if (options.Dimension > hidden)
        {
            throw new InvalidOperationException($"Embeddings:Distilled:Dimension {options.Dimension} exceeds the model's {hidden}.");
        }

        var pca = PrincipalComponents.Fit(raw, hidden, options.Dimension);
        var vectors = new float[vocabulary.Length * options.Dimension];
        var weights = new float[vocabulary.Length];
        var rankWeights = Weights(vocabulary, ids, options.SifA);
        for (var i = 0; i < ids.Length; i++)
        {
            var row = vectors.AsSpan(ids[i] * options.Dimension, options.Dimension);
            pca.Project(raw.AsSpan(i * hidden, hidden), row);
            var norm = TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                TensorPrimitives.Divide(row, norm, row);
                weights[ids[i]] = rankWeights[i];
            }
        }
        return new DistilledTokenTable(inputsKey, vectors, weights, options.Dimension);
    }

    /// <summary>Every id below the limit except the specials and unused entries ("[CLS]", "[unused7]").</summary>
    private static int[] DistilledIds(string[] vocabulary, int limit) =>
        Enumerable.Range(0, limit > 0 ? Math.Min(limit, vocabulary.Length) : vocabulary.Length)
            .Where(id => !(vocabulary[id].StartsWith('[') && vocabulary[id].EndsWith(']')))
            .ToArray();

    /// <summary>
    /// SIF weights by Zipf rank over the whole vocabulary. Single characters (punctuation, letters, "##s") come first in the
    /// vocabulary and are among the most frequent pieces: they get rank 1; longer pieces are ranked in id order after them.
    /// </summary>
    private static float[] Weights(string[] vocabulary, int[] ids, double sifA)
    {
        var sif = StaticWordEmbedder.SifWeights(vocabulary.Length, sifA);
        var rankOfId = new int[vocabulary.Length];
        var rank = 1;
        for (var id = 0; id < vocabulary.Length; id++)
        {
            var piece = vocabulary[id].StartsWith("##", StringComparison.Ordinal) ? vocabulary[id][2..] : vocabulary[id];
            rankOfId[id] = piece.Length <= 1 ? 1 : ++rank;
        }
        return ids.Select(id => sif[rankOfId[id] - 1]).ToArray();
    }

    /// <summary>[CLS] piece [SEP] for each id, one run; returns last_hidden_state [rows, 3, d].</summary>
    private static float[] RunAlone(InferenceSession session, (int Cls, int Sep) specials, ReadOnlySpan<int> ids, out int dimension)
    {
        var rows = ids.Length;
        var inputIds = new long[rows * SequenceLength];
        for (var r = 0; r < rows; r++)
        {
            inputIds[r * SequenceLength] = specials.Cls;
            inputIds[r * SequenceLength + 1] = ids[r];
            inputIds[r * SequenceLength + 2] = specials.Sep;
        }
        var mask = new long[inputIds.Length];
        Array.Fill(mask, 1L);
        long[] shape = [rows, SequenceLength];
        using var inputIdsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[inputIds.Length], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [inputIdsValue, maskValue, typesValue], ["last_hidden_state"]);
        dimension = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
