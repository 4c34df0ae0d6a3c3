using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// The entry point for scoring, one stateless worker per silo: embeds a batch of texts once, fans it out to the
/// shards in parallel, merges their matches and appends them to the matched users' histories.
/// </summary>
[Alias("StreamAttention.IScoringGatewayGrain")]
public interface IScoringGatewayGrain : IGrainWithIntegerKey
{
    /// <summary>Matches ordered by text index, best score first. <paramref name="userId"/> restricts scoring to one user.</summary>
    [Alias("Score")]
    Task<IReadOnlyList<TextMatch>> Score(IReadOnlyList<string> texts, string? userId = null);
}
