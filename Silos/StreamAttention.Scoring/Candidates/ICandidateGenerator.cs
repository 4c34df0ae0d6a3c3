using StreamAttention.Embeddings;
using StreamAttention.Scoring.SharedWords;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// Stage 1 of the shared-words engine, per chunk of messages in two steps: <see cref="Bound"/>, the interests that
/// some message may reach at all (their prefilter cosine p ≥ floor, the lossless bound p ≥ (θ − w)/(1 − w)), whose
/// words then attend and tighten the floors; then <see cref="Generate"/>, for each message the interests whose p
/// reaches the tightened floor, with p. Exact generators return all of them; approximate ones a subset.
/// </summary>
public interface ICandidateGenerator : IDisposable
{
    /// <summary>
    /// Starts the chunk [start, start + count) of <paramref name="messages"/>: the interests that may be candidates at
    /// <paramref name="floor"/> or any higher floor, ascending; valid until the next call.
    /// </summary>
    IReadOnlyList<int> Bound(TokenBatch messages, int start, int count, DistinctInterests interests, float[] floor);

    /// <summary>Fills <paramref name="output"/> (reset by the caller) for the chunk of the last <see cref="Bound"/>, at <paramref name="floor"/> (not below its floor).</summary>
    void Generate(float[] floor, CandidateLists output);
}
