namespace StreamAttention.Ingest.Tests;

/// <summary>The system's clock, <paramref name="ahead"/> ahead of it (behind, when negative): a machine whose clock is off. Timers and timestamps are the system's.</summary>
public sealed class SkewedClock(TimeSpan ahead) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
}
