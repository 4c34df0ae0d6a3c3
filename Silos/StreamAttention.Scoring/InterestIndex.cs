using StreamAttention.Contracts;
using StreamAttention.Embeddings;

namespace StreamAttention.Scoring;

/// <summary>
/// Interests as dense matrices: one unit query vector per interest (its pooled embedding) and its effective threshold.
/// The interests' token vectors are kept for explanations. Immutable; rebuild to change.
/// </summary>
public sealed class InterestIndex
{
    private InterestIndex(IReadOnlyList<InterestDefinition> interests, TokenBatch embedded, float[] thresholds)
    {
        Interests = interests;
        Embedded = embedded;
        Thresholds = thresholds;
    }

    public static InterestIndex Empty(int dimension) => new([], new TokenBatch(0, 1, dimension), []);

    public IReadOnlyList<InterestDefinition> Interests { get; }

    /// <summary>The embedded interest texts; <see cref="TokenBatch.Pooled"/> is the [Count, Dimension] query matrix.</summary>
    public TokenBatch Embedded { get; }

    public float[] Queries => Embedded.Pooled;

    /// <summary>Effective minimum final score per interest (its own, else the default).</summary>
    public float[] Thresholds { get; }

    public int Count => Interests.Count;

    public int Dimension => Embedded.Dimension;

    /// <summary>Embeds the interests. Ids must be unique per user: a duplicate is a caller error, not a silent overwrite.</summary>
    public static InterestIndex Build(IReadOnlyList<InterestDefinition> interests, ITextEmbedder embedder, float defaultThreshold)
    {
        var seen = new HashSet<(string?, string)>();
        foreach (var interest in interests)
        {
            if (!seen.Add((interest.UserId, interest.Id)))
            {
                throw new ArgumentException($"Duplicate interest id '{interest.Id}' for user '{interest.UserId ?? "(none)"}'.", nameof(interests));
            }
        }
        var embedded = embedder.Embed(interests.Select(i => i.Text).ToArray());
        var thresholds = interests.Select(i => i.Threshold ?? defaultThreshold).ToArray();
        return new InterestIndex(interests.ToArray(), embedded, thresholds);
    }
}
