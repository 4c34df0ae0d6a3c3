using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using StreamAttention.Embeddings;
using StreamAttention.Onnx;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring.SharedWords;

/// <summary>
/// Stage 2 of the shared-words engine: the attention score of every distinct word of the index's interests over every
/// message of a chunk that has tokens (<see cref="SharedWordAttentionStage"/>, in runs of similar message length), then
/// an interest's score as the weighted sum of its words' scores. Run before candidates are chosen, so that each
/// interest's bound over the chunk (<see cref="AttentionBounds"/>) tightens its prefilter floor. When most interests
/// are live, every word of the index attends in its own column, from vectors gathered once per <see cref="InterestWords"/>;
/// otherwise the live interests' words are numbered and gathered for the run. Not thread-safe.
/// </summary>
public sealed class SharedWordAttention(OnnxSessionFactory sessions, ScoringOptions options) : IDisposable
{
    private const float PaddingBias = -1e9f;

    /// <summary>
    /// From this share of live interests up, every word attends: the few words that only interests no message reaches
    /// hold cost less attention than numbering and gathering the live ones run after run (a paced stream's one-message
    /// runs find nearly every interest live).
    /// </summary>
    private const double AllWordsShare = 0.5;
    private readonly ReusableBuffer<float> _scores = new();
    private readonly List<int> _chunkWords = [];
    private readonly List<int> _rows = [];
    private int[] _column = [];
    private int[] _entryColumns = [];
    private float[] _bound = [];
    private readonly ReusableBuffer<float> _wordBest = new();
    private int[] _rowOf = [];
    private readonly ReusableBuffer<float> _cached = new();
    private readonly ReusableBuffer<float> _allVectors = new();
    private InterestWords? _allVectorsOf;
    private bool _allWords;
    private int _wordCount;
    private SharedWordAttentionStage? _stage;
    private int _chunkStart;
    private int _cachedMessage = -1;
    private int _cachedCount;
    private int[] _cachedAt = [];
    private float[] _cachedBias = [];

    /// <summary>Distinct words attended in the last <see cref="Run"/>.</summary>
    public int WordCount => _wordCount;

    /// <summary>Whether the last <see cref="Run"/> attended every word of its <see cref="InterestWords"/>.</summary>
    public bool AttendedAllWords => _allWords;

    /// <summary>Whether the last <see cref="Run"/>'s chunk had a message with tokens (else no word scores nor bounds).</summary>
    public bool HasRows => _rows.Count > 0;

    /// <summary>
    /// Computes the word scores of the messages [start, start + count) that have tokens, for every word of
    /// <paramref name="interests"/>, and their bounds.
    /// </summary>
    public void Run(TokenBatch messages, int start, int count, InterestWords words, IReadOnlyList<int> interests)
    {
        foreach (var word in _chunkWords)
        {
            _column[word] = -1;
        }
        _chunkWords.Clear();
        _rows.Clear();
        _chunkStart = start;
        _cachedMessage = -1;
        if (_bound.Length < words.Offsets.Length - 1)
        {
            _bound = new float[words.Offsets.Length - 1];
        }
        if (_rowOf.Length < count)
        {
            _rowOf = new int[count];
        }
        for (var m = 0; m < count; m++)
        {
            _rowOf[m] = -1;
            if (messages.TokenCount(start + m) > 0)
            {
                _rowOf[m] = _rows.Count;
                _rows.Add(m);
            }
        }
        if (_rows.Count == 0)
        {
            _wordCount = 0;
            return;
        }
        _allWords = interests.Count >= AllWordsShare * (words.Offsets.Length - 1);
        _wordCount = _allWords ? words.Count : NumberLiveWords(words, interests);
        var wordCount = _wordCount;
        var scores = _scores.Rent(_rows.Count * wordCount).Span;
        if (wordCount == 0)
        {
            Bound(words, interests, scores, wordCount);
            return;
        }
        if (_stage?.Dimension != messages.Dimension)
        {
            _stage?.Dispose();
            _stage = new SharedWordAttentionStage(sessions, messages.Dimension);
        }
        var allVectors = _allWords ? AllVectors(words) : default;

        // Runs of messages of similar length, so that little work goes to padding tokens.
        var order = _rows.Select((m, row) => (Row: row, Tokens: messages.TokenCount(start + m))).OrderBy(r => r.Tokens).ToArray();
        var budget = options.MaxWordSlotsPerRun;
        for (var first = 0; first < order.Length;)
        {
            var tokens = order[first].Tokens;
            var block = Math.Clamp(budget / tokens, 1, wordCount);
            var last = first + 1;
            while (last < order.Length && (long)(last - first + 1) * order[last].Tokens * block <= budget)
            {
                last++;
            }
            tokens = order[last - 1].Tokens;
            for (var w0 = 0; w0 < wordCount; w0 += block)
            {
                RunBlock(messages, start, order.AsSpan(first, last - first), tokens, w0, Math.Min(block, wordCount - w0), words, allVectors, scores, wordCount);
            }
            first = last;
        }
        Bound(words, interests, scores, wordCount);
    }

    /// <summary>Numbers the words of <paramref name="interests"/> in chunk columns (<see cref="_chunkWords"/>, <see cref="_entryColumns"/>); their count.</summary>
    private int NumberLiveWords(InterestWords words, IReadOnlyList<int> interests)
    {
        if (_column.Length < words.Count)
        {
            _column = new int[words.Count];
            Array.Fill(_column, -1);
        }
        if (_entryColumns.Length < words.Columns.Length)
        {
            _entryColumns = new int[words.Columns.Length];
        }
        foreach (var interest in interests)
        {
            for (var e = words.Offsets[interest]; e < words.Offsets[interest + 1]; e++)
            {
                var word = words.Columns[e];
                if (_column[word] < 0)
                {
                    _column[word] = _chunkWords.Count;
                    _chunkWords.Add(word);
                }
                _entryColumns[e] = _column[word];
            }
        }
        return _chunkWords.Count;
    }

    /// <summary>Every word's vector of <paramref name="words"/>, in column order: gathered when the words change, not per run.</summary>
    private ReadOnlyMemory<float> AllVectors(InterestWords words)
    {
        var dimension = words.Dimension;
        var vectors = _allVectors.Rent(words.Count * dimension);
        if (!ReferenceEquals(_allVectorsOf, words))
        {
            for (var w = 0; w < words.Count; w++)
            {
                words.Vector(w).CopyTo(vectors.Span.Slice(w * dimension, dimension));
            }
            _allVectorsOf = words;
        }
        return vectors;
    }

    /// <summary>By entry of the last <see cref="Run"/>'s interests, the column of its word's scores.</summary>
    private ReadOnlySpan<int> EntryColumns(InterestWords words) => _allWords ? words.Columns : _entryColumns;

    /// <summary>The column's word, as <see cref="InterestWords.Vector"/> numbers it.</summary>
    private int WordOf(int column) => _allWords ? column : _chunkWords[column];

    /// <summary>
    /// Each chunk interest's <see cref="InterestScore"/> with every word at its best score over the chunk's messages:
    /// summed in the same order, so with weights ≥ 0 no message's computed score exceeds it (rounding is monotone).
    /// </summary>
    private void Bound(InterestWords words, IReadOnlyList<int> interests, ReadOnlySpan<float> scores, int wordCount)
    {
        var best = _wordBest.Rent(wordCount).Span;
        if (wordCount > 0)
        {
            scores[..wordCount].CopyTo(best);
            for (var r = 1; r < _rows.Count; r++)
            {
                TensorPrimitives.Max(best, scores.Slice(r * wordCount, wordCount), best);
            }
        }
        var columns = EntryColumns(words);
        var (offsets, weights, bounds) = (words.Offsets, words.Weights, _bound);
        var chunkInterests = AsSpan(interests);
        // Only a sum per word: this runs over every live interest's words, run after run.
        foreach (var interest in chunkInterests)
        {
            var bound = 0f;
            var end = offsets[interest + 1];
            for (var e = offsets[interest]; e < end; e++)
            {
                bound += weights[e] * best[columns[e]];
            }
            bounds[interest] = bound;
        }
        if (words.HasNegativeWeights)
        {
            // A sum with a negative weight has no bound from its words' best scores.
            foreach (var interest in chunkInterests)
            {
                for (var e = offsets[interest]; e < offsets[interest + 1]; e++)
                {
                    if (weights[e] < 0)
                    {
                        bounds[interest] = float.PositiveInfinity;
                        break;
                    }
                }
            }
        }
    }

    /// <summary>The candidate generators' interest lists (arrays or lists) as a span, without an enumerator per interest.</summary>
    private static ReadOnlySpan<int> AsSpan(IReadOnlyList<int> interests) => interests switch
    {
        int[] array => array,
        List<int> list => CollectionsMarshal.AsSpan(list),
        _ => interests.ToArray(),
    };

    /// <summary>Attends words [firstWord, firstWord + blockWords) over <paramref name="rows"/>, from <paramref name="allVectors"/> in place when every word attends.</summary>
    private void RunBlock(TokenBatch messages, int chunkStart, ReadOnlySpan<(int Row, int Tokens)> rows, int tokens, int firstWord, int blockWords,
        InterestWords words, ReadOnlyMemory<float> allVectors, Span<float> scores, int wordCount)
    {
        var stage = _stage!;
        var dimension = messages.Dimension;
        stage.Prepare(rows.Length, tokens, blockWords);
        var keys = stage.Keys;
        var bias = stage.TokenBias;
        for (var r = 0; r < rows.Length; r++)
        {
            var message = chunkStart + _rows[rows[r].Row];
            // TokenBatch pads with zero vectors and zero weights, so the first `tokens` slots need no clearing.
            messages.TokenVectors.AsSpan(message * messages.Tokens * dimension, tokens * dimension).CopyTo(keys.Slice(r * tokens * dimension));
            TokenBias(messages, message, bias.Slice(r * tokens, tokens));
        }
        var started = Stopwatch.GetTimestamp();
        if (_allWords)
        {
            stage.Run(options.AttentionScale, allVectors.Slice(firstWord * dimension, blockWords * dimension));
        }
        else
        {
            var vectors = stage.Words;
            for (var w = 0; w < blockWords; w++)
            {
                words.Vector(_chunkWords[firstWord + w]).CopyTo(vectors.Slice(w * dimension, dimension));
            }
            stage.Run(options.AttentionScale);
        }
        ScoringInstruments.RunDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("stage", "shared_word_attention"));
        var result = stage.Scores;
        for (var r = 0; r < rows.Length; r++)
        {
            result.Slice(r * blockWords, blockWords).CopyTo(scores.Slice(rows[r].Row * wordCount + firstWord, blockWords));
        }
    }

    /// <summary>The attention prior of a message's tokens: TokenWeightExponent · ln(weight), very negative for padding.</summary>
    private void TokenBias(TokenBatch messages, int message, Span<float> bias)
    {
        var weights = messages.TokenWeights.AsSpan(message * messages.Tokens, bias.Length);
        for (var t = 0; t < bias.Length; t++)
        {
            bias[t] = weights[t] > 0 ? options.TokenWeightExponent * MathF.Log(weights[t]) : PaddingBias;
        }
    }

    /// <summary>The word scores of a chunk message that has tokens, for <see cref="InterestScore"/>.</summary>
    public ReadOnlySpan<float> WordScores(int chunkMessage) => _scores.Array.AsSpan(_rowOf[chunkMessage] * _wordCount, _wordCount);

    /// <summary>
    /// By interest, an upper bound of <see cref="InterestScore"/> over every message of the chunk, exact in float (not
    /// a margin): a pair whose final score with it stays below the threshold needs no sum. Set for each interest
    /// attended by the last <see cref="Run"/> whose chunk had rows (<see cref="HasRows"/>); other entries are stale.
    /// </summary>
    public ReadOnlySpan<float> AttentionBounds => _bound;

    /// <summary>Σ weight·(word score) over the interest's words, from a message's <see cref="WordScores"/>.</summary>
    public float InterestScore(ReadOnlySpan<float> row, int interest, InterestWords words)
    {
        var start = words.Offsets[interest];
        var length = words.Offsets[interest + 1] - start;
        var weights = words.Weights.AsSpan(start, length);
        var columns = EntryColumns(words).Slice(start, length);
        var score = 0f;
        for (var e = 0; e < weights.Length; e++)
        {
            score += weights[e] * row[columns[e]];
        }
        return score;
    }

    /// <summary>
    /// The interest's attention over the message's tokens, averaged by word weight (for highlights), into
    /// <paramref name="average"/> [tokens]. Recomputed here for the pairs that match rather than kept for all, and
    /// kept per word while the same message's matches are asked for in a row: matches share words too.
    /// </summary>
    public void AverageAttention(TokenBatch messages, int chunkMessage, int interest, InterestWords words, Span<float> average)
    {
        var message = _chunkStart + chunkMessage;
        var tokens = average.Length;
        if (message != _cachedMessage)
        {
            _cachedMessage = message;
            if (_cachedAt.Length < _wordCount)
            {
                _cachedAt = new int[_wordCount];
            }
            Array.Fill(_cachedAt, -1, 0, _wordCount);
            _cachedCount = 0;
            // Room for every word of the chunk up front: growing would drop what is cached.
            _cached.Rent(_wordCount * tokens);
            _cachedBias = _cachedBias.Length < tokens ? new float[Math.Max(tokens, messages.Tokens)] : _cachedBias;
            TokenBias(messages, message, _cachedBias.AsSpan(0, tokens));
        }
        average.Clear();
        var columns = EntryColumns(words);
        for (var e = words.Offsets[interest]; e < words.Offsets[interest + 1]; e++)
        {
            var column = columns[e];
            if (_cachedAt[column] < 0)
            {
                _cachedAt[column] = _cachedCount++ * tokens;
                var attention = _cached.Array.AsSpan(_cachedAt[column], tokens);
                var word = words.Vector(WordOf(column));
                for (var t = 0; t < tokens; t++)
                {
                    attention[t] = options.AttentionScale * TensorPrimitives.Dot(word, messages.TokenVector(message, t)) + _cachedBias[t];
                }
                TensorPrimitives.SoftMax(attention, attention);
            }
            TensorPrimitives.MultiplyAdd(_cached.Array.AsSpan(_cachedAt[column], tokens), words.Weights[e], average, average);
        }
    }

    public void Dispose() => _stage?.Dispose();
}
