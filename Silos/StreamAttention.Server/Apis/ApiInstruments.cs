using System.Diagnostics.Metrics;
using StreamAttention.Contracts.Diagnostics;

namespace StreamAttention.Server.Apis;

/// <summary>
/// Instruments of the HTTP API on <see cref="StreamAttention.Contracts.Diagnostics.InstrumentNames.Meter"/>: the texts <c>POST /score</c> had scored, which
/// the gateway's counters cannot tell from the ingest's messages (the dashboard counts the two apart).
/// </summary>
public sealed class ApiInstruments
{
    public ApiInstruments(IMeterFactory meters)
        => ScoredTexts = meters.Create(InstrumentNames.Meter).CreateCounter<long>(InstrumentNames.ApiScoredTexts, "{text}", "Texts scored on POST /score requests");

    public Counter<long> ScoredTexts { get; }
}
