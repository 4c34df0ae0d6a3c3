using System.Buffers;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings.StaticVectors;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Onnx;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// Embeds texts with the distilled static token table, in the shape the GloVe embedder gives: one token per word
/// (unit vector, weight) and a pooled weighted mean, so the scoring engines and candidate generation run unchanged.
/// A word is tokenized into WordPiece pieces (<see cref="BertTokenizer"/>, MiniLM's vocabulary); its vector is its own
/// where the table distilled it whole, else the weight-weighted sum of its pieces' vectors; its weight is the largest
/// piece weight (a rare piece makes the word rare), so highlights are whole words. Stop words and punctuation are dropped as for GloVe; a word without any distilled
/// piece is unknown. Thread-safe: <see cref="Embed(IReadOnlyList{string})"/> keeps no state.
/// </summary>
public sealed class DistilledEmbedder : ITextEmbedder
{
    /// <summary>Characters of text encoded per kept word before trying the whole text.</summary>
    private const int PrefixCharsPerWord = 48;

    /// <summary>Hex digits of the table's inputs' SHA-256 in <see cref="Identity"/>: 64 bits.</summary>
    private const int IdentityDigits = 16;

    /// <summary>BERT splits punctuation into words of its own; such words carry no meaning here.</summary>
    private static readonly SearchValues<char> PunctuationAndSymbols =
        SearchValues.Create("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~¡¢£¤¥¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿×÷–—‘’‚“”„†‡•…‰′″‹›€™");

    private readonly DistilledTokenTable _table;
    private readonly BertTokenizer _tokenizer;
    private readonly WordTokenizer _stopWords = WordTokenizer.English;
    private readonly InterestExpansion? _expansion;
    private readonly ExpansionStorage? _storage;
    private readonly ExpansionCache _expansions;
    private readonly ITextEmbedder? _sentences;
    private readonly string _vocabularyPath;

    /// <param name="sentences">MiniLM, whose mean-pooled sentence embeddings expand interests (<see cref="EmbedQueries(IReadOnlyList{string})"/>); null: they are not expanded. Borrowed: its owner disposes it (<see cref="MiniLm.MiniLmSentenceModel"/> in a host).</param>
    /// <param name="projection">The map from <paramref name="sentences"/>' space into the table's (<see cref="SentenceProjectionSetup"/>); given exactly with <paramref name="sentences"/>.</param>
    /// <param name="sessions">Makes the expansion's nearest-word search session (<see cref="NearestWords"/>); given exactly with <paramref name="sentences"/>.</param>
    public DistilledEmbedder(DistilledTokenTable table, string vocabularyPath, DistilledModelOptions options, ITextEmbedder? sentences = null, SentenceProjection? projection = null,
        OnnxSessionFactory? sessions = null)
    {
        if ((sentences is null) != (projection is null) || (sentences is null) != (sessions is null))
        {
            throw new ArgumentException("Interests are expanded with a sentence embedder, its map into the table's space and a session factory, or with none of them.", nameof(projection));
        }
        _sentences = sentences;
        _table = table;
        _vocabularyPath = vocabularyPath;
        MaxTokens = options.MaxTokens;
        _tokenizer = BertTokenizer.Create(vocabularyPath, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        // Built here, not at the first interest: the candidates' vectors are a table lookup of ~50,000 words, too long for a grain turn.
        _expansion = projection is null ? null : new InterestExpansion(Embed(ExpansionCandidates()), projection, options.ExpansionWords, options.ExpansionWeight, sessions!);
        _storage = _expansion is null ? null
            : new ExpansionStorage(ExpansionStorage.KeyOf(table.InputsKey, sentences!.Name, projection!, options.ExpansionWords, MaxTokens), _expansion.Candidates, Dimension);
        _expansions = new ExpansionCache(options.ExpansionCacheSize);
        var defaults = new DistilledModelOptions();
        var tableIdentity = table.InputsKey == DistilledModelSetup.InputsKey(defaults) ? Name
            : $"{Name} #{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(table.InputsKey)))[..IdentityDigits]}";
        Identity = ITextEmbedder.WithMaxTokens(tableIdentity, MaxTokens, defaults.MaxTokens);
    }

    public string Name => $"{DistilledModelSetup.ModelName}-{Dimension}d";

    /// <summary>
    /// Its name for a table distilled with the default settings, so a default installation's silos compare as the
    /// builds before; else beside it the fingerprint of what the table was distilled with (<see cref="DistilledTokenTable.InputsKey"/>:
    /// <c>Embeddings:Distilled</c>'s <c>Dimension</c>, <c>RemovedComponents</c>, <c>SifA</c>, <c>WholeWords</c>,
    /// <c>VocabularyLimit</c>), each of which changes every vector: silos distilled otherwise are told apart; and
    /// <c>MaxTokens</c> where it is not the default (<see cref="ITextEmbedder.WithMaxTokens"/>).
    /// </summary>
    public string Identity { get; }

    public int Dimension => _table.Dimension;

    public int MaxTokens { get; }

    public TokenBatch Embed(IReadOnlyList<string> texts) => Embed(texts, MaxTokens);

    /// <summary>
    /// The texts as interests: expanded (<see cref="InterestExpansion"/>) where a sentence embedder is given; the
    /// sentence model runs only on texts whose expansion is not kept (<see cref="DistilledModelOptions.ExpansionCacheSize"/>).
    /// </summary>
    public TokenBatch EmbedQueries(IReadOnlyList<string> texts) => EmbedQueries(texts, new StoredExpansion?[texts.Count]);

    /// <summary>
    /// <see cref="EmbedQueries(IReadOnlyList{string})"/>, where a text's expansion stored under this embedder's key
    /// (<see cref="ExpansionStorage"/>) is read, not computed: neither the sentence model nor the nearest-word search
    /// runs for it, and its row is the one a fresh expansion gives.
    /// </summary>
    public TokenBatch EmbedQueries(IReadOnlyList<string> texts, StoredExpansion?[] stored)
    {
        var embedded = Embed(texts);
        if (_expansion is null || texts.Count == 0)
        {
            Array.Clear(stored);
            return embedded;
        }
        var expansions = new TextExpansion?[texts.Count];
        var restored = new bool[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            expansions[i] = stored[i] is { } expansion ? _storage!.Restore(expansion) : null;
            restored[i] = expansions[i] is not null && ExpansionStorage.IsCurrent(stored[i]!);
        }
        var missing = _expansions.Fill(texts, expansions);
        if (missing.Count > 0)
        {
            var found = _expansion.Find(embedded, missing, SentenceEmbeddings.Pooled(_sentences!, missing.Select(i => texts[i]).ToArray()));
            for (var m = 0; m < missing.Count; m++)
            {
                expansions[missing[m]] = found[m];
                if (found[m] is { } expansion)
                {
                    _expansions.Add(texts[missing[m]], expansion);
                }
            }
        }
        for (var i = 0; i < texts.Count; i++)
        {
            // What was restored stays the same object: the caller has nothing new to store for it (but for one read from
            // an older format, stored again as this one).
            if (!restored[i])
            {
                stored[i] = expansions[i] is { } expansion ? _storage!.Store(expansion) : null;
            }
        }
        return _expansion.Apply(embedded, expansions);
    }

    /// <summary>A word's vector does not depend on its neighbours, so the windows are cut from the texts' first <see cref="WindowLayout.Coverage"/> words.</summary>
    public MessageWindows EmbedWindows(IReadOnlyList<string> texts, WindowLayout layout)
        => MessageWindows.Split(Embed(texts, layout.Coverage), layout);

    private TokenBatch Embed(IReadOnlyList<string> texts, int maxTokens)
    {
        var words = new TextWords[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            words[i] = Words(WordPieceInput.Of(texts[i], removeAccents: true), maxTokens);
        }
        var batch = new TokenBatch(texts.Count, Math.Max(1, words.Select(w => w.Texts.Length).DefaultIfEmpty().Max()), Dimension);
        for (var text = 0; text < texts.Count; text++)
        {
            Fill(batch, text, words[text]);
        }
        return batch;
    }

    /// <summary>Releases the nearest-word search's session; the table is managed memory, and the sentence embedder is borrowed.</summary>
    public void Dispose()
    {
        _expansion?.Dispose();
    }

    /// <summary>Words of letters the table embeds as one token: the vocabulary's word-initial pieces and its whole words.</summary>
    public string[] ExpansionCandidates()
        => File.ReadLines(_vocabularyPath).Where(piece => !piece.StartsWith(_tokenizer.ContinuingSubwordPrefix, StringComparison.Ordinal))
            .Concat(_table.Words)
            .Where(word => word.Length > 1 && word.All(char.IsAsciiLetterLower))
            .Distinct()
            .ToArray();

    private TextWords Words(string text, int maxTokens)
    {
        var searchFrom = Math.Min(text.Length, maxTokens * PrefixCharsPerWord);
        var cut = text.AsSpan(searchFrom).IndexOf(' ');
        if (cut >= 0)
        {
            var prefix = Words(text[..(searchFrom + cut)], maxTokens, prefixOfLonger: true);
            if (prefix.Truncated)
            {
                return prefix;
            }
        }
        return Words(text, maxTokens, prefixOfLonger: false);
    }

    /// <param name="prefixOfLonger">The text is a prefix: reaching its end is not the end of the text.</param>
    private TextWords Words(string text, int maxTokens, bool prefixOfLonger)
    {
        var pieces = _tokenizer.EncodeToTokens(text, out var normalized);
        var source = normalized ?? text;
        var texts = new List<string>();
        var pieceRanges = new List<(int Start, int End)>();
        var unknown = 0;
        var truncated = false;
        for (var first = 0; first < pieces.Count;)
        {
            var end = first + 1;
            while (end < pieces.Count && pieces[end].Value.StartsWith(_tokenizer.ContinuingSubwordPrefix, StringComparison.Ordinal))
            {
                end++;
            }
            var word = source.AsSpan(pieces[first].Offset.Start.Value, pieces[end - 1].Offset.End.Value - pieces[first].Offset.Start.Value);
            var range = (first, end);
            first = end;
            if (!word.ContainsAnyExcept(PunctuationAndSymbols) || _stopWords.IsStopWord(word))
            {
                continue;
            }
            var known = false;
            for (var k = range.first; k < range.end && !known; k++)
            {
                known = _table.HasVector(pieces[k].Id);
            }
            if (!known)
            {
                unknown++;
                continue;
            }
            if (texts.Count == maxTokens)
            {
                truncated = true;
                break;
            }
            texts.Add(word.ToString());
            pieceRanges.Add(range);
        }
        if (prefixOfLonger && !truncated)
        {
            return new TextWords([], [], [], 0, false);
        }
        return new TextWords(texts.ToArray(), pieceRanges.ToArray(), pieces.Select(p => p.Id).ToArray(), unknown, truncated);
    }

    private void Fill(TokenBatch batch, int text, TextWords words)
    {
        batch.UnknownWords[text] = words.Unknown;
        batch.Truncated[text] = words.Truncated;
        if (words.Texts.Length == 0)
        {
            return;
        }
        var weights = batch.TokenWeights.AsSpan(text * batch.Tokens, words.Texts.Length);
        var pooled = batch.PooledVector(text);
        for (var token = 0; token < words.Texts.Length; token++)
        {
            var vector = batch.TokenVector(text, token);
            var (start, end) = words.PieceRanges[token];
            var weight = 0f;
            for (var k = start; k < end; k++)
            {
                var id = words.PieceIds[k];
                if (_table.HasVector(id))
                {
                    TensorPrimitives.MultiplyAdd(_table.Vector(id), _table.Weights[id], vector, vector);
                    weight = Math.Max(weight, _table.Weights[id]);
                }
            }
            if (end - start > 1 && _table.TryGetWordVector(words.Texts[token], out var wordVector))
            {
                wordVector.CopyTo(vector);
            }
            // Unit piece vectors with positive weights cancel only in theory; a zero sum stays zero and weighs nothing.
            var norm = TensorPrimitives.Norm(vector);
            if (norm > 0)
            {
                TensorPrimitives.Divide(vector, norm, vector);
            }
            weights[token] = weight;
            TensorPrimitives.MultiplyAdd(vector, weight, pooled, pooled);
        }
        var pooledNorm = TensorPrimitives.Norm(pooled);
        if (pooledNorm > 0)
        {
            TensorPrimitives.Divide(pooled, pooledNorm, pooled);
        }
        batch.TokenTexts[text] = words.Texts;
    }

    private sealed record TextWords(string[] Texts, (int Start, int End)[] PieceRanges, int[] PieceIds, int Unknown, bool Truncated);
}
