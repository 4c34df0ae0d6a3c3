using StreamAttention.Embeddings;

namespace StreamAttention.Scoring.Candidates;

/// <summary>
/// Stage 1 of the shared-words engine: for each message of a chunk, the interests whose pooled cosine p reaches their
/// floor (the lossless bound p ≥ (θ − w)/(1 − w)), with p. Exact generators return all of them; approximate ones a subset.
/// </summary>
public interface ICandidateGenerator : IDisposable
{
    /// <summary>Fills <paramref name="output"/> (reset by the caller) for messages [start, start + count).</summary>
    void Select(TokenBatch messages, int start, int count, InterestIndex interests, float[] floor, CandidateLists output);
}
