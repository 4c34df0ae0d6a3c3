using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Dashboard.Tests;

public static class StreamScoring
{
    /// <summary>
    /// Scores <paramref name="texts"/> as an ingest does, in the silo's process or standalone (the gateway's
    /// <see cref="ScoringGatewayKeys.Stream"/> key): they count as messages in, which <c>POST /score</c>'s texts do not.
    /// </summary>
    public static Task ScoreFromTheStreamAsync(this SiloHostFixture host, string userId, params string[] texts)
        => host.Services.GetRequiredService<IGrainFactory>().GetGrain<IScoringGatewayGrain>(ScoringGatewayKeys.Stream)
            .Score(texts, userId, sourceIds: texts.Select((_, i) => $"{userId}/0@{i}").ToArray());
}
