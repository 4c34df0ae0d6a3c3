namespace StreamAttention.Contracts.Scoring;

/// <summary>
/// One embedded text as it travels between grains: its real tokens only (no padding), so a batch of them costs
/// what its texts hold. <c>TokenBatch</c> rows convert to and from this form.
/// </summary>
/// <param name="TokenVectors">[Tokens.Length, dimension] unit token vectors.</param>
/// <param name="TokenWeights">[Tokens.Length] token weights (&gt; 0).</param>
/// <param name="Pooled">[dimension] unit pooled vector, all zeros for a text without any known token.</param>
/// <param name="Tokens">The surface form of each token.</param>
/// <param name="Text">The raw text, for the interests' keyword rules and term evidence; null where not sent.</param>
/// <param name="LaterWindow">A window after the first of a text cut into windows: the calibration's background takes a text once, by its first.</param>
[GenerateSerializer, Immutable, Alias("StreamAttention.EmbeddedText")]
public sealed record EmbeddedText(float[] TokenVectors, float[] TokenWeights, float[] Pooled, string[] Tokens, string? Text = null, bool LaterWindow = false)
{
    /// <summary>Whether the arrays have the lengths of <see cref="Tokens"/> tokens of <paramref name="dimension"/>.</summary>
    public bool HasShape(int dimension)
        => Pooled.Length == dimension && TokenVectors.Length == Tokens.Length * dimension && TokenWeights.Length == Tokens.Length;
}
