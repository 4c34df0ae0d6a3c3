namespace StreamAttention.Scoring;

/// <summary>
/// A selection the shared-words engine applies per message before it makes match objects (the cascade's wider pass,
/// <see cref="Cascade.TieredScorer"/>): of the pairs scoring below their interest's <see cref="Thresholds"/> (on the
/// scale the pairs are reported in), only those within <see cref="Band"/> of it are kept, and of those at most
/// <see cref="PerMessage"/>, the nearest (ties: the lower interest row); pairs at or above their thresholds all stay.
/// With many interests the wider pass finds tens of thousands of pairs a message that the cascade would drop anyway.
/// <see cref="Dropped"/> counts, per row, the pairs within the band that the selection dropped.
/// </summary>
public sealed class NearestBelowThresholds
{
    public NearestBelowThresholds(float[] thresholds, float band, int perMessage, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perMessage, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(band);
        Thresholds = thresholds;
        Band = band;
        PerMessage = perMessage;
        Dropped = new int[rows];
    }

    public float[] Thresholds { get; }

    public float Band { get; }

    public int PerMessage { get; }

    public int[] Dropped { get; }
}
