using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Transformer;

/// <summary>
/// Embeds texts with a BERT-style sentence-transformer ONNX model. Token vectors are the model's contextual
/// hidden states of the real word pieces ([CLS], a prefix, [SEP] and padding excluded), unit-normalized. The pooled
/// vector follows sentence-transformers: the mean of all hidden states under the attention mask ([CLS], a prefix and
/// [SEP] included), or the [CLS] position's (<see cref="TransformerEmbeddingOptions.Pooling"/>), L2-normalized.
/// Interests (<see cref="EmbedQueries"/>) get <see cref="TransformerEmbeddingOptions.QueryPrefix"/>'s pieces after
/// [CLS], messages and their windows <see cref="TransformerEmbeddingOptions.DocumentPrefix"/>'s. A text without any
/// known word piece (empty, or only [UNK]) is not run through the model and gets no tokens and a zero pooled vector,
/// so it cannot match anything.
/// </summary>
/// <remarks>
/// <see cref="TokenBatch.TokenTexts"/> holds, for every word piece, the whole (normalized) word it belongs to:
/// "embeddings" split into embed/##ding/##s gives "embeddings" three times, and an [UNK] piece gives the word the
/// vocabulary did not know. Highlights then show words a reader recognizes; consecutive equal texts of one word
/// can be merged by the consumer.
/// </remarks>
public sealed class TransformerEmbedder : ITextEmbedder
{
    private const string InputIdsName = "input_ids";
    private const string AttentionMaskName = "attention_mask";
    private const string TokenTypeIdsName = "token_type_ids";

    /// <summary>
    /// A model run's fixed cost in padded positions, for <see cref="LengthRuns"/>: measured on all-MiniLM-L6-v2 on CPU
    /// (docs/benchmarks.md, "Relevance: int8").
    /// </summary>
    private const int RunOverheadPositions = 16;

    /// <summary>Characters of text encoded per kept word piece before trying the whole text (pieces average ~5).</summary>
    private const int PrefixCharsPerToken = 32;

    /// <summary>Hex digits of the model file's SHA-256 in its default name: 48 bits, no collision among a cluster's models.</summary>
    private const int NameHashDigits = 12;

    /// <summary>Hex digits of <see cref="FingerprintOf"/> in <see cref="Identity"/>: 64 bits.</summary>
    private const int FingerprintDigits = 16;

    /// <summary>
    /// The share of a vocabulary's pieces (special tokens aside) with a letter that lower-casing changes from which it is
    /// cased: an uncased one has none (bert-base-uncased's only upper-case letters, in "ℝ", have no lower case), a cased
    /// one many; a stray capitalised piece does not make a vocabulary cased.
    /// </summary>
    private const double CasedPieceShare = 0.01;

    /// <summary>Positions a BERT model embeds (512) less [CLS] and [SEP]: the most word pieces and prefix pieces of one sequence.</summary>
    private const int MaxSequencePieces = 510;

    private readonly BertTokenizer _tokenizer;
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly int _batchSize;
    private readonly bool _removeAccents;
    private readonly TransformerPooling _pooling;
    private readonly long[] _queryPrefix;
    private readonly long[] _documentPrefix;

    /// <param name="identity">
    /// What the cluster's model check compares (<see cref="ITextEmbedder.Identity"/>), with the word pieces kept per text
    /// beside it where they are not the default; null: <see cref="Name"/> and the fingerprint of the model's files and
    /// settings (<see cref="FingerprintOf"/>), as a model a user brings needs.
    /// </param>
    public TransformerEmbedder(TransformerEmbeddingOptions options, OnnxSessionFactory sessionFactory, ILogger<TransformerEmbedder>? logger = null,
        string? identity = null)
    {
        var log = logger ?? (ILogger)NullLogger.Instance;
        var model = File.ReadAllBytes(options.ModelPath);
        var modelSha256 = identity is null || string.IsNullOrWhiteSpace(options.Name) ? SHA256.HashData(model) : null;
        Name = string.IsNullOrWhiteSpace(options.Name) ? DefaultName(options.ModelPath, modelSha256!) : options.Name.Trim();
        var defaultMaxTokens = new TransformerEmbeddingOptions().MaxTokens;
        Identity = identity is null ? $"{Name} #{FingerprintOf(modelSha256!, options, options.MaxTokens == defaultMaxTokens)[..FingerprintDigits]}"
            : ITextEmbedder.WithMaxTokens(identity, options.MaxTokens, defaultMaxTokens);
        MaxTokens = options.MaxTokens;
        _batchSize = options.BatchSize;
        _outputNames = [options.OutputName];
        _removeAccents = options.LowerCase;
        _tokenizer = BertTokenizer.Create(options.VocabPath, new BertOptions
        {
            LowerCaseBeforeTokenization = options.LowerCase,
            RemoveNonSpacingMarks = options.LowerCase,
        });
        _pooling = options.Pooling;
        _queryPrefix = EncodePrefix(options.QueryPrefix);
        _documentPrefix = EncodePrefix(options.DocumentPrefix);
        var prefixPieces = Math.Max(_queryPrefix.Length, _documentPrefix.Length);
        if (MaxTokens + prefixPieces > MaxSequencePieces)
        {
            throw new InvalidOperationException($"{TransformerEmbeddingOptions.SectionName}:{nameof(TransformerEmbeddingOptions.MaxTokens)} {MaxTokens} and a prefix of "
                + $"{prefixPieces} word pieces exceed the {MaxSequencePieces} a BERT model takes besides [CLS] and [SEP]: set MaxTokens to at most {MaxSequencePieces - prefixPieces}.");
        }
        var vocabulary = File.ReadAllLines(options.VocabPath);
        _session = sessionFactory.Create(model, $"transformer embedder {Name}");
        try
        {
            _inputNames = CheckInputs(_session);
            Dimension = ReadDimension(options.OutputName);
            CheckVocabularyFits(options, vocabulary.Length - 1);
        }
        catch
        {
            _session.Dispose();
            throw;
        }
        WarnOfCasingMismatch(options, vocabulary, log);
        log.LogInformation(
            "Transformer embedder {Name} ({ModelPath}): d={Dimension}, inputs {Inputs}, up to {MaxTokens} word pieces per text, batches of {BatchSize}",
            Name, options.ModelPath, Dimension, string.Join(", ", _inputNames), MaxTokens, _batchSize);
    }

    public string Name { get; }

    public string Identity { get; }

    public int Dimension { get; }

    public int MaxTokens { get; }

    /// <summary>Texts as messages: after <see cref="TransformerEmbeddingOptions.DocumentPrefix"/>.</summary>
    public TokenBatch Embed(IReadOnlyList<string> texts) => Embed(texts.Select(text => Encode(text, _documentPrefix)).ToArray());

    /// <summary>Interest texts: after <see cref="TransformerEmbeddingOptions.QueryPrefix"/>.</summary>
    public TokenBatch EmbedQueries(IReadOnlyList<string> texts) => Embed(texts.Select(text => Encode(text, _queryPrefix)).ToArray());

    /// <summary>
    /// Each window is its own sequence, [CLS] the document prefix its pieces [SEP], run through the model on its own:
    /// token vectors depend on their context, so a window of a longer text is what the model gives those pieces alone.
    /// </summary>
    public MessageWindows EmbedWindows(IReadOnlyList<string> texts, WindowLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(layout.Length, MaxTokens);
        var windows = new List<EncodedText>(texts.Count);
        var windowCounts = new int[texts.Count];
        var truncated = new bool[texts.Count];
        for (var text = 0; text < texts.Count; text++)
        {
            var (pieces, source) = EncodePieces(texts[text], layout.Coverage);
            truncated[text] = pieces.Count > layout.Coverage;
            windowCounts[text] = layout.WindowCount(pieces.Count);
            for (var window = 0; window < windowCounts[text]; window++)
            {
                windows.Add(EncodeWindow(pieces, source, _documentPrefix, layout.Start(window), Math.Max(0, layout.TokensIn(window, pieces.Count)), truncated[text]));
            }
        }
        return MessageWindows.FromRows(Embed(windows.ToArray()), windowCounts, truncated);
    }

    private TokenBatch Embed(EncodedText[] encoded)
    {
        var batch = new TokenBatch(encoded.Length, Math.Max(1, encoded.Select(e => e.Words.Length).DefaultIfEmpty().Max()), Dimension);
        for (var i = 0; i < encoded.Length; i++)
        {
            batch.TokenTexts[i] = encoded[i].Words;
            batch.UnknownWords[i] = encoded[i].UnknownPieces;
            batch.Truncated[i] = encoded[i].Truncated;
        }

        // Similar lengths share a run, so little compute goes to padding.
        var order = Enumerable.Range(0, encoded.Length).Where(i => encoded[i].Words.Length > 0).OrderBy(i => encoded[i].Ids.Length).ToArray();
        foreach (var run in LengthRuns.Split(order.Select(i => encoded[i].Ids.Length).ToArray(), _batchSize, RunOverheadPositions))
        {
            Run(order.AsSpan(run), encoded, batch);
        }
        return batch;
    }

    public void Dispose() => _session.Dispose();

    /// <summary>
    /// [CLS], <paramref name="prefix"/>, the first <see cref="MaxTokens"/> word pieces, [SEP], as Hugging Face truncation
    /// does. All pieces are encoded (not EncodeToIds with a limit) because their offsets name each piece's word and tell
    /// whether the text was cut.
    /// </summary>
    private EncodedText Encode(string text, long[] prefix)
    {
        var (pieces, source) = EncodePieces(text, MaxTokens);
        return EncodeWindow(pieces, source, prefix, 0, Math.Min(pieces.Count, MaxTokens), pieces.Count > MaxTokens);
    }

    /// <summary>
    /// [CLS], <paramref name="prefix"/>, the <paramref name="count"/> pieces from <paramref name="start"/>, [SEP]; each
    /// piece named by its whole word. The prefix's pieces are the model's input only: no word, token or unknown word.
    /// </summary>
    private EncodedText EncodeWindow(IReadOnlyList<EncodedToken> pieces, string source, long[] prefix, int start, int count, bool truncated)
    {
        var ids = new long[1 + prefix.Length + count + 1];
        var words = new string[count];
        var unknown = 0;
        ids[0] = _tokenizer.ClassificationTokenId;
        prefix.CopyTo(ids, 1);
        ids[^1] = _tokenizer.SeparatorTokenId;
        // A window may begin inside a word: its first pieces still show the whole word.
        var first = start;
        while (first > 0 && IsContinuation(pieces[first]))
        {
            first--;
        }
        while (first < start + count)
        {
            var end = first + 1;
            while (end < pieces.Count && IsContinuation(pieces[end]))
            {
                end++;
            }
            var word = source[pieces[first].Offset.Start.Value..pieces[end - 1].Offset.End.Value];
            for (var k = Math.Max(first, start); k < Math.Min(end, start + count); k++)
            {
                ids[1 + prefix.Length + k - start] = pieces[k].Id;
                words[k - start] = word;
                unknown += pieces[k].Id == _tokenizer.UnknownTokenId ? 1 : 0;
            }
            first = end;
        }
        return unknown == count
            ? new EncodedText([], [], unknown, truncated)
            : new EncodedText(ids, words, unknown, truncated);
    }

    /// <summary>A prefix's word pieces as the texts' are cut (casing, accents); empty for none.</summary>
    private long[] EncodePrefix(string prefix) =>
        [.. _tokenizer.EncodeToTokens(WordPieceInput.Of(prefix, _removeAccents), out _).Select(piece => (long)piece.Id)];

    private bool IsContinuation(EncodedToken piece) => piece.Value.StartsWith(_tokenizer.ContinuingSubwordPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Encodes a prefix first so a huge message costs little: the prefix ends at whitespace, which never splits a word,
    /// so once it holds more than <paramref name="maxPieces"/> pieces the kept pieces and their words are the full text's.
    /// Returns the pieces and the text their offsets refer to.
    /// </summary>
    private (IReadOnlyList<EncodedToken> Pieces, string Source) EncodePieces(string text, int maxPieces)
    {
        text = WordPieceInput.Of(text, _removeAccents);
        var searchFrom = Math.Min(text.Length, maxPieces * PrefixCharsPerToken);
        var cut = text.AsSpan(searchFrom).IndexOf(' ');
        if (cut >= 0)
        {
            var prefix = text[..(searchFrom + cut)];
            var prefixPieces = _tokenizer.EncodeToTokens(prefix, out var normalizedPrefix);
            if (prefixPieces.Count > maxPieces)
            {
                return (prefixPieces, normalizedPrefix ?? prefix);
            }
        }
        return (_tokenizer.EncodeToTokens(text, out var normalized), normalized ?? text);
    }

    private void Run(ReadOnlySpan<int> textIndexes, EncodedText[] encoded, TokenBatch batch)
    {
        var rows = textIndexes.Length;
        var sequence = encoded[textIndexes[^1]].Ids.Length;
        var ids = new long[rows * sequence];
        var mask = new long[rows * sequence];
        ids.AsSpan().Fill(_tokenizer.PaddingTokenId);
        for (var r = 0; r < rows; r++)
        {
            var textIds = encoded[textIndexes[r]].Ids;
            textIds.CopyTo(ids.AsSpan(r * sequence));
            mask.AsSpan(r * sequence, textIds.Length).Fill(1);
        }

        var (hidden, dimension) = RunModel(ids, mask, rows, sequence);
        if (dimension != Dimension)
        {
            throw new InvalidOperationException($"Model output '{_outputNames[0]}' has d={dimension}, expected {Dimension}.");
        }
        var rowSize = sequence * Dimension;
        for (var r = 0; r < rows; r++)
        {
            var text = textIndexes[r];
            var length = encoded[text].Ids.Length;
            var states = hidden.AsSpan(r * rowSize, length * Dimension);
            if (_pooling == TransformerPooling.Cls)
            {
                var pooled = batch.PooledVector(text);
                states[..Dimension].CopyTo(pooled);
                Normalize(pooled);
            }
            else
            {
                MeanPoolNormalized(states, batch.PooledVector(text));
            }
            // The words' pieces lie between [CLS] and a prefix before them and [SEP] after.
            var firstWord = length - 1 - encoded[text].Words.Length;
            for (var t = firstWord; t < length - 1; t++)
            {
                var vector = batch.TokenVector(text, t - firstWord);
                states.Slice(t * Dimension, Dimension).CopyTo(vector);
                Normalize(vector);
                batch.TokenWeights[text * batch.Tokens + t - firstWord] = 1f;
            }
        }
    }

    private (float[] States, int Dimension) RunModel(long[] ids, long[] mask, int rows, int sequence)
    {
        long[] shape = [rows, sequence];
        var inputs = new List<OrtValue>(_inputNames.Length);
        try
        {
            foreach (var name in _inputNames)
            {
                inputs.Add(OrtValue.CreateTensorValueFromMemory(name switch
                {
                    InputIdsName => ids,
                    AttentionMaskName => mask,
                    _ => new long[ids.Length], // token_type_ids: every token belongs to the first segment
                }, shape));
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, _inputNames, inputs, _outputNames);
            var outputShape = outputs[0].GetTensorTypeAndShape().Shape;
            if (outputShape is not [var b, var s, var d] || b != rows || s != sequence || d < 1)
            {
                throw new InvalidOperationException($"Model output '{_outputNames[0]}' has shape [{string.Join(", ", outputShape)}], expected [{rows}, {sequence}, d].");
            }
            return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), (int)d);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }

    private static string[] CheckInputs(InferenceSession session)
    {
        var names = session.InputMetadata.Keys.ToArray();
        string[] required = [InputIdsName, AttentionMaskName];
        var missing = required.Except(names).ToArray();
        var unexpected = names.Except([.. required, TokenTypeIdsName]).ToArray();
        if (missing.Length > 0 || unexpected.Length > 0)
        {
            throw new InvalidOperationException(
                $"The model must take {InputIdsName}, {AttentionMaskName} and optionally {TokenTypeIdsName}; it takes {string.Join(", ", names)}.");
        }
        var notInt64 = names.Where(n => session.InputMetadata[n].ElementDataType != TensorElementType.Int64).ToArray();
        if (notInt64.Length > 0)
        {
            throw new InvalidOperationException($"Model inputs {string.Join(", ", notInt64)} must be int64.");
        }
        return names;
    }

    /// <summary>d from the output metadata, or from one tiny run when the export left it symbolic.</summary>
    private int ReadDimension(string outputName)
    {
        if (!_session.OutputMetadata.TryGetValue(outputName, out var output))
        {
            throw new InvalidOperationException($"The model has no output '{outputName}'; its outputs are {string.Join(", ", _session.OutputMetadata.Keys)}.");
        }
        if (output.ElementDataType != TensorElementType.Float || output.Dimensions.Length != 3)
        {
            throw new InvalidOperationException($"Model output '{outputName}' must be float [batch, seq, d].");
        }
        if (output.Dimensions[2] > 0)
        {
            return output.Dimensions[2];
        }
        long[] probe = [_tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId];
        return RunModel(probe, [1, 1], 1, probe.Length).Dimension;
    }

    /// <summary>
    /// The model directory's name and the start of the model file's SHA-256, hashed from the bytes the session is made
    /// of (once at start, a fraction of the session's own load time): the files a user brings have no stamp
    /// (<see cref="ModelCacheStamp"/>) and may lie in a read-only directory, and a file's length and write time would
    /// differ between the silos' copies of one model.
    /// </summary>
    private static string DefaultName(string modelPath, byte[] modelSha256)
    {
        var directory = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(modelPath)));
        var hash = Convert.ToHexStringLower(modelSha256)[..NameHashDigits];
        return $"{(string.IsNullOrEmpty(directory) ? Path.GetFileNameWithoutExtension(modelPath) : directory)}-{hash}";
    }

    /// <summary>
    /// The SHA-256 (hex) of everything that makes the vectors: the model file's SHA-256, the vocabulary file's, and the
    /// options that change what the model is given or what is read from it (casing, output, and the word pieces kept
    /// per text unless <paramref name="defaultMaxTokens"/>, the pooling and the prefixes unless none, so a model run
    /// with the defaults keeps the identity of the builds before). Hashed from the files at each start, for the reasons
    /// <see cref="DefaultName"/> gives; the vocabulary is a few hundred KB.
    /// </summary>
    private static string FingerprintOf(byte[] modelSha256, TransformerEmbeddingOptions options, bool defaultMaxTokens)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(modelSha256);
        hash.AppendData(SHA256.HashData(File.ReadAllBytes(options.VocabPath)));
        var maxTokens = defaultMaxTokens ? "" : $" max-tokens {options.MaxTokens}";
        var pooling = options.Pooling == TransformerPooling.Mean ? "" : $" pooling {options.Pooling}";
        // Lengths first, so no two pairs of prefixes hash alike.
        var prefixes = options.QueryPrefix.Length + options.DocumentPrefix.Length == 0 ? ""
            : $" prefixes {options.QueryPrefix.Length}:{options.QueryPrefix}{options.DocumentPrefix.Length}:{options.DocumentPrefix}";
        hash.AppendData(Encoding.UTF8.GetBytes($"lowercase {options.LowerCase} output {options.OutputName}{maxTokens}{pooling}{prefixes}"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Warns where <see cref="TransformerEmbeddingOptions.LowerCase"/> does not fit the vocabulary: not lower-casing for an
    /// uncased vocabulary makes every word with a capital letter [UNK]; lower-casing for a cased one feeds the model
    /// pieces split otherwise than in its training, and never its capitalised ones.
    /// </summary>
    private static void WarnOfCasingMismatch(TransformerEmbeddingOptions options, string[] vocabulary, ILogger logger)
    {
        const string Setting = $"{TransformerEmbeddingOptions.SectionName}:{nameof(TransformerEmbeddingOptions.LowerCase)}";
        var pieces = vocabulary.Where(piece => !(piece.StartsWith('[') && piece.EndsWith(']'))).ToArray();
        var casedPieces = pieces.Count(piece => piece.Any(c => char.IsLetter(c) && char.ToLowerInvariant(c) != c));
        var cased = casedPieces > 0 && casedPieces >= CasedPieceShare * pieces.Length;
        if (!options.LowerCase && !cased)
        {
            logger.LogWarning($"{Setting} is false, but {{VocabPath}} is uncased ({{Cased}} of its {{Pieces}} pieces have an upper-case letter): "
                + $"every word with a capital letter becomes [UNK] and cannot match. Set {Setting}=true unless the model was trained cased",
                options.VocabPath, casedPieces, pieces.Length);
        }
        else if (options.LowerCase && cased)
        {
            logger.LogWarning($"{Setting} is true, but {{VocabPath}} is cased ({{Cased}} of its {{Pieces}} pieces have an upper-case letter): "
                + "texts are lower-cased and their accents stripped, unlike the model's training texts, and its capitalised pieces are never used. "
                + $"Set {Setting}=false for a cased model",
                options.VocabPath, casedPieces, pieces.Length);
        }
    }

    /// <summary>
    /// Runs the vocabulary's largest id once (~1 ms): a vocabulary with more entries than the model's token embedding
    /// table fails here, in one line, rather than every request whose text has one of its last pieces.
    /// </summary>
    /// <param name="largest">The vocabulary's largest id: a piece's id is its line in vocab.txt.</param>
    private void CheckVocabularyFits(TransformerEmbeddingOptions options, int largest)
    {
        long[] probe = [_tokenizer.ClassificationTokenId, largest, _tokenizer.SeparatorTokenId];
        try
        {
            RunModel(probe, [1, 1, 1], 1, probe.Length);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException(
                $"{options.VocabPath} has ids up to {largest}, which {options.ModelPath} does not embed ({e.Message.Split('\n')[0]}): use the vocab.txt the model was exported with.", e);
        }
    }

    private static void MeanPoolNormalized(ReadOnlySpan<float> states, Span<float> pooled)
    {
        var sums = new double[pooled.Length];
        for (var offset = 0; offset < states.Length; offset += pooled.Length)
        {
            var row = states.Slice(offset, pooled.Length);
            for (var j = 0; j < row.Length; j++)
            {
                sums[j] += row[j];
            }
        }
        // Dividing by the token count does not change the direction, so the mean's normalization is the sum's.
        var norm = Math.Sqrt(sums.Sum(s => s * s));
        for (var j = 0; j < pooled.Length; j++)
        {
            pooled[j] = norm > 0 ? (float)(sums[j] / norm) : 0f;
        }
    }

    private static void Normalize(Span<float> vector)
    {
        var squares = 0.0;
        foreach (var x in vector)
        {
            squares += (double)x * x;
        }
        if (squares > 0)
        {
            var scale = (float)(1 / Math.Sqrt(squares));
            foreach (ref var x in vector)
            {
                x *= scale;
            }
        }
    }

    /// <param name="Ids">[CLS], the kept word pieces, [SEP]; empty when the text has no known word piece.</param>
    /// <param name="Words">The word of each kept word piece.</param>
    private sealed record EncodedText(long[] Ids, string[] Words, int UnknownPieces, bool Truncated);
}
