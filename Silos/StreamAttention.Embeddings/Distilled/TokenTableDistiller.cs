using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using StreamAttention.Embeddings.MiniLm;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Distils a static token table from MiniLM, Model2Vec-style: every vocabulary piece runs through the model alone
/// (<c>[CLS] piece [SEP]</c>) and its contextual vector (the specials' excluded) is its static vector; PCA centres the
/// vectors, keeps the leading dimensions after dropping the first few (directions every piece shares, which crowd the
/// cosines together); each piece gets a SIF weight from its Zipf rank in the vocabulary, which lists whole words roughly
/// by frequency. Frequent words that split into several pieces ("postgres", "outages") run through the model whole,
/// and the sum of their pieces' output vectors, projected like a piece's, is theirs: a sum of pieces embedded alone
/// loses what the word means. (The sum, not the mean, goes into the centring projection; the mean scored the same on dev.)
/// </summary>
public static class TokenTableDistiller
{
    private const int SequenceLength = 3;

    /// <param name="frequentWords">Words most frequent first; the first <see cref="DistilledModelOptions.WholeWords"/> are candidates for whole-word vectors.</param>
    /// <param name="progress">0 to 1 over the model runs.</param>
    public static DistilledTokenTable Distill(MiniLmModelFiles files, DistilledModelOptions options, string inputsKey, OnnxSessionFactory sessions,
        IReadOnlyList<string> frequentWords, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var vocabulary = File.ReadAllLines(files.VocabularyPath);
        var ids = DistilledIds(vocabulary, options.VocabularyLimit);
        var specials = (Cls: Array.IndexOf(vocabulary, "[CLS]"), Sep: Array.IndexOf(vocabulary, "[SEP]"));
        var words = MultiPieceWords(files.VocabularyPath, frequentWords.Take(options.WholeWords), new HashSet<int>(ids));
        var runs = (double)(ids.Length + words.Count);
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
            progress?.Report((start + rows) / runs);
        }
        if (options.Dimension + options.RemovedComponents > hidden)
        {
            throw new InvalidOperationException(
                $"Embeddings:Distilled:Dimension {options.Dimension} plus RemovedComponents {options.RemovedComponents} exceeds the model's {hidden}.");
        }

        var projection = new Projection(PrincipalComponents.Fit(raw, hidden, options.Dimension + options.RemovedComponents, cancellationToken), options.RemovedComponents);
        var vectors = new float[vocabulary.Length * options.Dimension];
        var weights = new float[vocabulary.Length];
        var rankWeights = Weights(vocabulary, ids, options.SifA);
        for (var i = 0; i < ids.Length; i++)
        {
            if (projection.ToUnitVector(raw.AsSpan(i * hidden, hidden), vectors.AsSpan(ids[i] * options.Dimension, options.Dimension)))
            {
                weights[ids[i]] = rankWeights[i];
            }
        }
        var wordVectors = new float[words.Count * options.Dimension];
        var sum = new float[hidden];
        for (var start = 0; start < words.Count; start += options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = words.GetRange(start, Math.Min(options.BatchSize, words.Count - start)).Select(w => w.Pieces).ToArray();
            var states = RunWords(session, specials, batch, out var length);
            for (var r = 0; r < batch.Length; r++)
            {
                Array.Clear(sum);
                for (var k = 1; k <= batch[r].Length; k++)
                {
                    TensorPrimitives.Add(sum, states.AsSpan((r * length + k) * hidden, hidden), sum);
                }
                projection.ToUnitVector(sum, wordVectors.AsSpan((start + r) * options.Dimension, options.Dimension));
            }
            progress?.Report((ids.Length + start + batch.Length) / runs);
        }
        return new DistilledTokenTable(inputsKey, vectors, weights, options.Dimension, words.Select(w => w.Word).ToArray(), wordVectors);
    }

    /// <summary>
    /// The words (letters and digits only) that the vocabulary splits into two or more pieces, all of them distilled, in
    /// the fewest pieces first (runs pad to their longest word), each with its piece ids.
    /// </summary>
    private static List<(string Word, int[] Pieces)> MultiPieceWords(string vocabularyPath, IEnumerable<string> words, HashSet<int> distilledIds)
    {
        var tokenizer = BertTokenizer.Create(vocabularyPath, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        var result = new List<(string, int[])>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            // Read as the embedder reads a message's word, and named as it then looks it up: "soirée" (or "soire\u0301e") is
            // "soiree", its pieces those of "soiree", not the unknown piece of a precomposed "é" (the tokenizer's own
            // decomposition does nothing under InvariantGlobalization).
            var pieces = tokenizer.EncodeToIds(WordPieceInput.Of(word, removeAccents: true), int.MaxValue, addSpecialTokens: false, out var normalized, out _);
            var name = (normalized ?? word).Trim();
            if (name.Length == 0 || !name.All(char.IsLetterOrDigit) || !seen.Add(name))
            {
                continue;
            }
            if (pieces.Count >= 2 && pieces.All(distilledIds.Contains))
            {
                result.Add((name, pieces.ToArray()));
            }
        }
        return result.OrderBy(w => w.Item2.Length).ToList();
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
        return Run(session, inputIds, mask, rows, SequenceLength, out dimension);
    }

    /// <summary>[CLS] pieces [SEP] for each word, padded to the longest; returns last_hidden_state [rows, length, d].</summary>
    private static float[] RunWords(InferenceSession session, (int Cls, int Sep) specials, int[][] words, out int length)
    {
        length = words.Max(w => w.Length) + 2;
        var inputIds = new long[words.Length * length];
        var mask = new long[inputIds.Length];
        for (var r = 0; r < words.Length; r++)
        {
            var row = inputIds.AsSpan(r * length, length);
            row[0] = specials.Cls;
            for (var k = 0; k < words[r].Length; k++)
            {
                row[k + 1] = words[r][k];
            }
            row[words[r].Length + 1] = specials.Sep;
            mask.AsSpan(r * length, words[r].Length + 2).Fill(1L);
        }
        return Run(session, inputIds, mask, words.Length, length, out _);
    }

    private static float[] Run(InferenceSession session, long[] inputIds, long[] mask, int rows, int length, out int dimension)
    {
        long[] shape = [rows, length];
        using var inputIdsValue = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(new long[inputIds.Length], shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [inputIdsValue, maskValue, typesValue], ["last_hidden_state"]);
        dimension = (int)outputs[0].GetTensorTypeAndShape().Shape[2];
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>PCA coordinates past the first <paramref name="removed"/> components, scaled to unit length.</summary>
    private sealed class Projection(PrincipalComponents pca, int removed)
    {
        private readonly float[] _coordinates = new float[pca.Components.GetLength(0)];

        /// <returns>Whether the vector has a direction (a zero projection stays zero).</returns>
        public bool ToUnitVector(ReadOnlySpan<float> row, Span<float> destination)
        {
            pca.Project(row, _coordinates);
            _coordinates.AsSpan(removed).CopyTo(destination);
            var norm = TensorPrimitives.Norm(destination);
            if (norm > 0)
            {
                TensorPrimitives.Divide(destination, norm, destination);
            }
            return norm > 0;
        }
    }
}
