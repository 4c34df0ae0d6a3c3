using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Grains.Attention;

/// <summary>Instruments of the users' delivery policies on <see cref="InstrumentNames.Meter"/>; the dashboard's "interruptions avoided" reads them.</summary>
public sealed class AttentionInstruments
{
    public AttentionInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(InstrumentNames.Meter);
        Decisions = meter.CreateCounter<long>(InstrumentNames.AttentionDecisions, "{match}", "Matches decided by the users' delivery policies, tagged kind (immediate, deferred, suppressed-duplicate, muted, quiet-hours, below-threshold)");
        Digests = meter.CreateCounter<long>(InstrumentNames.AttentionDigests, "{digest}", "Digests formed and sent");
        Feedback = meter.CreateCounter<long>(InstrumentNames.AttentionFeedback, "{feedback}", "Feedback received on matches, tagged relevant=true|false");
    }

    public Counter<long> Decisions { get; }

    public Counter<long> Digests { get; }

    public Counter<long> Feedback { get; }
}
