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
        UnknownWords = meter.CreateCounter<long>(InstrumentNames.GatewayUnknownWords, "{word}", "Words of the texts the gateway embedded that the model does not know");
        TextsWithoutKnownWords = meter.CreateCounter<long>(InstrumentNames.GatewayTextsWithoutKnownWords, "{text}",
            "Texts the gateway embedded in which the model knew none of the words: scored as empty texts");
        Duration = meter.CreateHistogram<double>(InstrumentNames.GatewayDuration, "ms", "Time from a batch's arrival at the gateway until its matches are delivered: embedding, shards, histories");
    }

    public Counter<long> Messages { get; }

    /// <summary>Counted by the gateway of key <see cref="StreamAttention.Contracts.Grains.ScoringGatewayKeys.Requests"/>, in place of <see cref="Messages"/>.</summary>
    public Counter<long> RequestTexts { get; }

    public Counter<long> Matches { get; }

    /// <summary>
    /// Words of the texts the gateway embedded itself that the model's vocabulary does not know (the WordPiece models:
    /// words of no known piece, or unknown pieces): a stream in a language the model does not read shows here.
    /// </summary>
    public Counter<long> UnknownWords { get; }

    /// <summary>Texts the gateway embedded with unknown words and none the model knows: they score as an empty text.</summary>
    public Counter<long> TextsWithoutKnownWords { get; }

    public Histogram<double> Duration { get; }
}
