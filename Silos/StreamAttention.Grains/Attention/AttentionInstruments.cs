using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Calls;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Users;

namespace StreamAttention.Grains.Attention;

/// <summary>Instruments of the users' delivery policies on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>; the dashboard's "interruptions avoided" reads them.</summary>
public sealed class AttentionInstruments
{
    private readonly Meter _meter;

    public AttentionInstruments(IMeterFactory meters)
    {
        var meter = _meter = meters.Create(InstrumentNames.Meter);
        Decisions = meter.CreateCounter<long>(InstrumentNames.AttentionDecisions, "{match}", "Matches decided by the users' delivery policies, tagged kind (immediate, deferred, suppressed-duplicate, muted, quiet-hours, below-threshold)");
        Digests = meter.CreateCounter<long>(InstrumentNames.AttentionDigests, "{digest}", "Digests formed and sent");
        Feedback = meter.CreateCounter<long>(InstrumentNames.AttentionFeedback, "{feedback}", "Feedback received on matches, tagged relevant=true|false");
        // Exported at 0 from the start: an alert takes its increase.
        Undecided = meter.CreateCounterFromZero(InstrumentNames.AttentionUndecided, "{match}",
            "Matches returned undecided: the user's grain could not decide them (its own failure, after its attempts)");
    }

    public Counter<long> Decisions { get; }

    /// <summary>
    /// Adds one call's decisions to <see cref="Decisions"/>, one measurement per kind instead of one per match (each
    /// measurement is a tagged add in every listener). <paramref name="perKind"/>: the counts in <see cref="DeliveryKinds.All"/>'s order.
    /// </summary>
    public void AddDecisions(ReadOnlySpan<int> perKind)
    {
        for (var kind = 0; kind < perKind.Length; kind++)
        {
            if (perKind[kind] > 0)
            {
                Decisions.Add(perKind[kind], new KeyValuePair<string, object?>("kind", DeliveryKinds.All[kind]));
            }
        }
    }

    /// <summary>The place of <paramref name="kind"/> in <see cref="DeliveryKinds.All"/>.</summary>
    public static int KindIndex(string kind)
    {
        for (var index = 0; index < DeliveryKinds.All.Count; index++)
        {
            if (string.Equals(DeliveryKinds.All[index], kind, StringComparison.Ordinal))
            {
                return index;
            }
        }
        throw new ArgumentException($"'{kind}' is not a delivery kind.", nameof(kind));
    }

    public Counter<long> Digests { get; }

    public Counter<long> Feedback { get; }

    public Counter<long> Undecided { get; }

    /// <summary>The gauge of <see cref="ObserveHungDecisions"/>; null until then.</summary>
    public ObservableGauge<int>? HungDecisions { get; private set; }

    /// <summary>Publishes how many of <paramref name="calls"/> are out, the silo's decision calls hung in their users' grains; returns them.</summary>
    public UnansweredCalls ObserveHungDecisions(UnansweredCalls calls)
    {
        HungDecisions = _meter.CreateObservableGauge(InstrumentNames.AttentionHungDecisions, () => calls.Count, "{call}",
            "Delivery-decision calls past Decisions:AnswerDeadline that have not ended: until each ends, its user's matches come back undecided");
        return calls;
    }
}
