using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Instruments of the scoring gateway on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>: what enters scoring (a stream's messages
/// and texts sent on request apart) and what comes out; the dashboard's throughput and latency read them.
/// </summary>
public sealed class GatewayInstruments
{
    public GatewayInstruments(IMeterFactory meters)
    {
        var meter = meters.Create(InstrumentNames.Meter);
        Messages = meter.CreateCounter<long>(InstrumentNames.GatewayMessages, "{message}", "Messages from a stream scored by the gateway");
        RequestTexts = meter.CreateCounter<long>(InstrumentNames.GatewayRequestTexts, "{text}", "Texts sent on request (POST /score) scored by the gateway");
        Matches = meter.CreateCounter<long>(InstrumentNames.GatewayMatches, "{match}", "(message, user interest) matches the gateway delivered to users' histories and the live feed");
        Duration = meter.CreateHistogram<double>(InstrumentNames.GatewayDuration, "ms", "Time from a batch's arrival at the gateway until its matches are delivered: embedding, shards, histories");
    }

    public Counter<long> Messages { get; }

    /// <summary>Counted by the gateway of key <see cref="StreamAttention.Contracts.Grains.ScoringGatewayKeys.Requests"/>, in place of <see cref="Messages"/>.</summary>
    public Counter<long> RequestTexts { get; }

    public Counter<long> Matches { get; }

    public Histogram<double> Duration { get; }
}
