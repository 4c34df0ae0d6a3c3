using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Embeddings.Distilled;

/// <summary>
/// An <see cref="InterestExpansion"/>'s expansions as user grains store them with their interests
/// (<see cref="StoredExpansion"/>: the candidate words as text) and back, under one key that names what
/// <see cref="InterestExpansion.Find"/>'s result depends on, so an expansion computed by another table, sentence model,
/// map, number of words or words per text is computed again rather than restored. Restoring reads the stored vector
/// and words as they were found, so the rows are exactly those of a fresh expansion.
/// </summary>
public sealed class ExpansionStorage
{
    private readonly IReadOnlyList<string> _words;
    private readonly Dictionary<string, int> _candidates;
    private readonly int _dimension;

    /// <param name="key">What the expansions depend on (<see cref="KeyOf"/>).</param>
    /// <param name="candidates">The expansion's candidate words (<see cref="InterestExpansion.Candidates"/>), which <see cref="TextExpansion.Words"/> index.</param>
    public ExpansionStorage(long key, IReadOnlyList<string> candidates, int dimension)
    {
        Key = key;
        _words = candidates;
        _dimension = dimension;
        _candidates = new Dictionary<string, int>(candidates.Count, StringComparer.Ordinal);
        for (var i = 0; i < candidates.Count; i++)
        {
            _candidates[candidates[i]] = i;
        }
    }

    public long Key { get; }

    /// <summary>
    /// The first 8 bytes of the SHA-256 of the table's inputs key, the sentence model's name, the map's values and the
    /// counts that shape <see cref="InterestExpansion.Find"/>: its words per text and the words a text keeps (its own
    /// words are never added).
    /// </summary>
    public static long KeyOf(string tableKey, string sentenceModel, SentenceProjection projection, int words, int maxTokens)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{tableKey} sentences {sentenceModel} map {projection.From}x{projection.To} words {words} tokens {maxTokens}"));
        hash.AppendData(MemoryMarshal.AsBytes(projection.Values));
        return BinaryPrimitives.ReadInt64LittleEndian(hash.GetHashAndReset());
    }

    /// <summary>The expansion to store; it shares the found one's arrays (neither is written after it was found).</summary>
    public StoredExpansion Store(TextExpansion expansion)
        => new(Key, null, Array.ConvertAll(expansion.Words, w => _words[w]), expansion.Similarities, expansion.Pooled);

    /// <summary>
    /// The expansion as <see cref="InterestExpansion.Find"/> found it; null where it is not one of these (another key, an
    /// unknown word). One stored with a float vector (<see cref="StoredExpansion.FloatPooled"/>) is read with it rounded
    /// as <see cref="InterestExpansion.Find"/> rounds it.
    /// </summary>
    public TextExpansion? Restore(StoredExpansion stored)
    {
        var pooled = stored.Pooled ?? (stored.FloatPooled is { } floats ? InterestExpansion.ToFixedPoint(floats) : null);
        if (stored.Key != Key || pooled?.Length != _dimension || stored.Similarities.Length != stored.Words.Length)
        {
            return null;
        }
        var words = new int[stored.Words.Length];
        for (var k = 0; k < words.Length; k++)
        {
            if (!_candidates.TryGetValue(stored.Words[k], out words[k]))
            {
                return null;
            }
        }
        return new TextExpansion(pooled, words, stored.Similarities);
    }

    /// <summary>Whether <paramref name="stored"/> is as <see cref="Store"/> writes it now: one read from an older format is stored again.</summary>
    public static bool IsCurrent(StoredExpansion stored) => stored.Pooled is not null;
}
