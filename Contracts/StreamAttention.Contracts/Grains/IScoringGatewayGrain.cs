using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Contracts.Grains;

/// <summary>
/// The entry point for scoring, one stateless worker per silo: embeds a batch of texts once, sends it once to each
/// silo's <see cref="ISiloScoringGrain"/> (and to any shard none of them covered), merges the matches, and hands them
/// to the silo's background delivery to the users' histories and the live feed. A full scoring queue throws
/// <see cref="ScoringBusyException"/>; a cancelled call drops its queued work.
/// </summary>
[Alias("StreamAttention.IScoringGatewayGrain")]
public interface IScoringGatewayGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Matches ordered by text index, best score first. <paramref name="userId"/> restricts scoring to one user (its
    /// key, "tenant/user"); without one, <paramref name="tenant"/> restricts it to that tenant's users.
    /// <paramref name="sourceIds"/>, one per text, name each text where it came from (a Kafka message's position): a
    /// text scored again under the same source id gets the same match ids, and so the decisions its users' grains made
    /// the first time (a retried batch notifies nobody twice and loses no notification); null: new ids every call.
    /// <paramref name="messageIds"/>, one per text, the messages' own ids (a Kafka message's <c>id</c>), kept with each
    /// match in the users' histories, digests and live streams, so those join their records on the output topics; null:
    /// none.
    /// </summary>
    [Alias("Score")]
    Task<IReadOnlyList<TextMatch>> Score(IReadOnlyList<string> texts, string? userId = null, string? tenant = null, IReadOnlyList<string>? sourceIds = null,
        IReadOnlyList<string>? messageIds = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Like <see cref="Score"/> for messages embedded by their producer (e.g. vectors read from a stream);
    /// <paramref name="texts"/> (one per message) only label the users' match histories. Every message must have the
    /// shape of <see cref="GetEmbeddingDimension"/>.
    /// </summary>
    [Alias("ScoreEmbedded")]
    Task<IReadOnlyList<TextMatch>> ScoreEmbedded(IReadOnlyList<EmbeddedText> messages, IReadOnlyList<string> texts, string? userId = null, string? tenant = null,
        IReadOnlyList<string>? sourceIds = null, IReadOnlyList<string>? messageIds = null, CancellationToken cancellationToken = default);

    /// <summary>The dimension of the silos' embedder, which pre-embedded messages must match.</summary>
    [Alias("GetEmbeddingDimension")]
    Task<int> GetEmbeddingDimension();
}
