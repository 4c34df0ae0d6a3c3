using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Scoring;

/// <summary>
/// Interests for scoring: the pooled vector of each interest (stage-1 query, one dense matrix), its stage-2 query
/// vectors as (word id, weight) lists into a <see cref="WordTable"/> (each distinct vector stored once), and its
/// effective threshold. Immutable; rebuild to change. Indexes over one table concatenate without copying vectors.
/// </summary>
public sealed class InterestIndex
{
    private readonly Lazy<DenseQueries> _dense;

    /// <summary>Where <see cref="Queries"/> are: the index's own array, or its rows of a concatenation (<see cref="ShareQueries"/>).</summary>
    private QueryRows _queries;

    private InterestIndex(IReadOnlyList<InterestDefinition> interests, float[] thresholds, float[] queries, WordTable words, int[] offsets, int[] wordIds, float[] weights)
    {
        Interests = interests;
        Thresholds = thresholds;
        _queries = new QueryRows(queries);
        Words = words;
        QueryOffsets = offsets;
        QueryWordIds = wordIds;
        QueryWordWeights = weights;
        _dense = new Lazy<DenseQueries>(Densify);
    }

    public static InterestIndex Empty(int dimension) => new([], [], [], new WordTable(dimension), [0], [], []);

    public IReadOnlyList<InterestDefinition> Interests { get; }

    /// <summary>[Count, Dimension] unit pooled vectors (all zeros for a text without a known word): the stage-1 queries.</summary>
    public ReadOnlyMemory<float> Queries => Volatile.Read(ref _queries).Rows;

    /// <summary>The vectors that <see cref="QueryWordIds"/> refer to.</summary>
    public WordTable Words { get; }

    /// <summary>[Count + 1]: interest i's stage-2 queries are [QueryOffsets[i], QueryOffsets[i + 1]) of <see cref="QueryWordIds"/> and <see cref="QueryWordWeights"/>, in text order.</summary>
    public int[] QueryOffsets { get; }

    public int[] QueryWordIds { get; }

    /// <summary>Weights of the stage-2 queries, summing to 1 per interest that has words.</summary>
    public float[] QueryWordWeights { get; }

    /// <summary>[Count, QueriesPerInterest, Dimension] stage-2 query vectors, zero rows for padding (built on first use: only the per-pair engine needs them).</summary>
    public float[] QueryVectors => _dense.Value.Vectors;

    /// <summary>[Count, QueriesPerInterest] weights of <see cref="QueryVectors"/>, 0 for padding.</summary>
    public float[] QueryWeights => _dense.Value.Weights;

    public int QueriesPerInterest => _dense.Value.PerInterest;

    /// <summary>Effective minimum final score per interest (its own, else the default).</summary>
    public float[] Thresholds { get; }

    public int Count => Interests.Count;

    public int Dimension => Words.Dimension;

    /// <summary>Whether any word of the interest's text is known to the embedder (a pooled vector of zeros otherwise).</summary>
    public bool HasKnownWords(int interest) => TensorPrimitives.MaxMagnitude<float>(Queries.Span.Slice(interest * Dimension, Dimension)) != 0;

    /// <summary>
    /// Reads <see cref="Queries"/> from <paramref name="concatenation"/>'s rows from <paramref name="first"/> on from now
    /// on, so that an index kept beside a concatenation of it (a user's, beside the silo's) holds no copy of its own. The
    /// rows must be this index's, bit for bit (a concatenation of it copied them): scores do not change. Readers holding
    /// the old rows keep them.
    /// </summary>
    public void ShareQueries(InterestIndex concatenation, int first)
    {
        var rows = concatenation.Queries.Slice(first * Dimension, Count * Dimension);
        if (concatenation.Dimension != Dimension || !MemoryMarshal.AsBytes(rows.Span).SequenceEqual(MemoryMarshal.AsBytes(Queries.Span)))
        {
            throw new ArgumentException($"Rows {first}..{first + Count} of the concatenation are not this index's queries.", nameof(concatenation));
        }
        Volatile.Write(ref _queries, new QueryRows(rows));
    }

    /// <summary>Embeds the interests. Ids must be unique per user: a duplicate is a caller error, not a silent overwrite.</summary>
    /// <param name="cancellationToken">A stop, observed between chunks of interests (<see cref="OperationCanceledException"/>).</param>
    public static InterestIndex Build(IReadOnlyList<InterestDefinition> interests, ITextEmbedder embedder, ScoringOptions options, CancellationToken cancellationToken = default)
    {
        // In chunks: one padded batch of all texts would hold every interest's vectors at the longest text's length.
        var rows = interests.Chunk(4096).SelectMany(chunk =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            var embedded = embedder.EmbedQueries(chunk.Select(i => i.Text).ToArray());
            return Enumerable.Range(0, embedded.Count).Select(i => embedded.Row(i));
        }).ToArray();
        return FromRows(interests, rows, embedder.Dimension, options);
    }

    /// <summary>
    /// An index over interests embedded earlier (<see cref="TokenBatch.Row"/>, one per interest, in order), so that
    /// a change to a few interests does not re-embed the others. Its words go to <paramref name="words"/> (the silo's
    /// table), else to a table of its own.
    /// </summary>
    public static InterestIndex FromRows(IReadOnlyList<InterestDefinition> interests, IReadOnlyList<EmbeddedText> rows, int dimension, ScoringOptions options, WordTable? words = null)
    {
        if (rows.Count != interests.Count)
        {
            throw new ArgumentException($"{rows.Count} embedded rows for {interests.Count} interests.", nameof(rows));
        }
        words ??= new WordTable(dimension);
        var queries = new InterestQueries[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            if (!rows[i].HasShape(dimension))
            {
                throw new ArgumentException($"Row {i} does not have the shape of {rows[i].Tokens.Length} tokens of dimension {dimension}.", nameof(rows));
            }
            queries[i] = InterestQueries.Of(rows[i], words, options);
        }
        return FromQueries(interests, queries, words, options);
    }

    /// <summary>
    /// An index over interests whose queries are already in <paramref name="words"/> (<see cref="InterestQueries.Of"/>,
    /// one per interest, in order): nothing is interned again.
    /// </summary>
    public static InterestIndex FromQueries(IReadOnlyList<InterestDefinition> interests, IReadOnlyList<InterestQueries> queries, WordTable words, ScoringOptions options)
    {
        if (queries.Count != interests.Count)
        {
            throw new ArgumentException($"{queries.Count} queries for {interests.Count} interests.", nameof(queries));
        }
        CheckUnique(interests);
        var dimension = words.Dimension;
        var pooled = new float[interests.Count * dimension];
        var offsets = new int[interests.Count + 1];
        for (var i = 0; i < queries.Count; i++)
        {
            offsets[i + 1] = offsets[i] + queries[i].WordIds.Length;
        }
        var wordIds = new int[offsets[^1]];
        var weights = new float[offsets[^1]];
        for (var i = 0; i < queries.Count; i++)
        {
            queries[i].Pooled.CopyTo(pooled.AsSpan(i * dimension));
            queries[i].WordIds.CopyTo(wordIds.AsSpan(offsets[i]));
            queries[i].Weights.CopyTo(weights.AsSpan(offsets[i]));
        }
        return new InterestIndex(interests.ToArray(), EffectiveThresholds(interests, options), pooled, words, offsets, wordIds, weights);
    }

    /// <summary>
    /// The interests of several indexes as one, in order: parts scored together in one run. Parts over one table
    /// (the silo's) share its words; words of parts over other tables are added to <paramref name="words"/>, by
    /// default the first part's table.
    /// </summary>
    public static InterestIndex Concat(IReadOnlyList<InterestIndex> parts, int dimension, ScoringOptions options, WordTable? words = null)
    {
        var interests = parts.SelectMany(p => p.Interests).ToArray();
        CheckUnique(interests);
        words ??= parts.FirstOrDefault(p => p.Count > 0)?.Words ?? new WordTable(dimension);
        var queries = new float[interests.Length * dimension];
        var offsets = new int[interests.Length + 1];
        var wordIds = new int[parts.Sum(p => p.QueryWordIds.Length)];
        var weights = new float[wordIds.Length];
        int at = 0, entries = 0;
        foreach (var part in parts)
        {
            if (part.Dimension != dimension)
            {
                throw new ArgumentException($"An index has dimension {part.Dimension}, not {dimension}.", nameof(parts));
            }
            part.Queries.Span.CopyTo(queries.AsSpan(at * dimension));
            for (var i = 0; i < part.Count; i++)
            {
                offsets[at + i + 1] = entries + part.QueryOffsets[i + 1];
            }
            for (var e = 0; e < part.QueryWordIds.Length; e++)
            {
                var id = part.QueryWordIds[e];
                wordIds[entries + e] = ReferenceEquals(part.Words, words) ? id : words.Intern(part.Words.Vector(id));
            }
            part.QueryWordWeights.CopyTo(weights.AsSpan(entries));
            at += part.Count;
            entries += part.QueryWordIds.Length;
        }
        return new InterestIndex(interests, EffectiveThresholds(interests, options), queries, words, offsets, wordIds, weights);
    }

    /// <summary>The interests at <paramref name="positions"/>, in that order, over the same word table (no vector copied).</summary>
    public InterestIndex Subset(IReadOnlyList<int> positions)
    {
        var queries = new float[positions.Count * Dimension];
        var offsets = new int[positions.Count + 1];
        var wordIds = new List<int>();
        var weights = new List<float>();
        for (var k = 0; k < positions.Count; k++)
        {
            var i = positions[k];
            Queries.Span.Slice(i * Dimension, Dimension).CopyTo(queries.AsSpan(k * Dimension));
            wordIds.AddRange(QueryWordIds.AsSpan(QueryOffsets[i], QueryOffsets[i + 1] - QueryOffsets[i]));
            weights.AddRange(QueryWordWeights.AsSpan(QueryOffsets[i], QueryOffsets[i + 1] - QueryOffsets[i]));
            offsets[k + 1] = wordIds.Count;
        }
        return new InterestIndex(positions.Select(i => Interests[i]).ToArray(), positions.Select(i => Thresholds[i]).ToArray(), queries, Words, offsets, wordIds.ToArray(), weights.ToArray());
    }

    private static float[] EffectiveThresholds(IReadOnlyList<InterestDefinition> interests, ScoringOptions options)
        => interests.Select(i => i.Threshold ?? options.DefaultThreshold).ToArray();

    private static void CheckUnique(IReadOnlyList<InterestDefinition> interests)
    {
        var seen = new HashSet<(string?, string)>();
        foreach (var interest in interests)
        {
            if (!seen.Add((interest.UserId, interest.Id)))
            {
                throw new ArgumentException($"Duplicate interest id '{interest.Id}' for user '{interest.UserId ?? "(none)"}'.", nameof(interests));
            }
        }
    }

    private DenseQueries Densify()
    {
        var perInterest = 1;
        for (var i = 0; i < Count; i++)
        {
            perInterest = Math.Max(perInterest, QueryOffsets[i + 1] - QueryOffsets[i]);
        }
        var vectors = new float[Count * perInterest * Dimension];
        var weights = new float[Count * perInterest];
        for (var i = 0; i < Count; i++)
        {
            for (int e = QueryOffsets[i], j = 0; e < QueryOffsets[i + 1]; e++, j++)
            {
                Words.Vector(QueryWordIds[e]).CopyTo(vectors.AsSpan((i * perInterest + j) * Dimension, Dimension));
                weights[i * perInterest + j] = QueryWordWeights[e];
            }
        }
        return new DenseQueries(vectors, weights, perInterest);
    }

    private sealed record DenseQueries(float[] Vectors, float[] Weights, int PerInterest);

    /// <summary>A reference, so that <see cref="ShareQueries"/> replaces the rows in one write that readers see whole.</summary>
    private sealed record QueryRows(ReadOnlyMemory<float> Rows);
}
