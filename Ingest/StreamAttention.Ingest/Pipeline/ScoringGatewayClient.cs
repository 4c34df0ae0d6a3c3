using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Ingest.Decoding;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Ingest.Pipeline;

/// <summary>
/// The ingest's client of the silos' scoring gateway (<see cref="IScoringGatewayGrain"/>). It scores a batch with
/// one call per scope (everyone, or one user) and kind (text, or pre-embedded), so the silos embed each text once.
/// A failing call is retried (a silo may be lost and its shards moving) until
/// <see cref="KafkaIngestOptions.ScoringRetryTimeout"/>; then the batch fails.
/// </summary>
public sealed class ScoringGatewayClient(IGrainFactory grains, IOptions<KafkaIngestOptions> options, TimeProvider time, ILogger<ScoringGatewayClient> logger)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>The matches of each message, in the order of <paramref name="messages"/>.</summary>
    public async Task<List<TextMatch>[]> ScoreAsync(IReadOnlyList<IngestMessage> messages, CancellationToken cancellationToken)
    {
        var matches = messages.Select(_ => new List<TextMatch>()).ToArray();
        var groups = messages.Select((message, index) => (message, index))
            .GroupBy(item => (item.message.UserId, Embedded: item.message.Embedding is not null))
            .Select(group => (group.Key.UserId, group.Key.Embedded, Items: group.ToArray()));
        await Task.WhenAll(groups.Select(async group =>
        {
            var texts = group.Items.Select(item => item.message.Text).ToArray();
            var gateway = grains.GetGrain<IScoringGatewayGrain>(0);
            var results = await RetryAsync(() => group.Embedded
                ? gateway.ScoreEmbedded(group.Items.Select(item => item.message.Embedding!).ToArray(), texts, group.UserId)
                : gateway.Score(texts, group.UserId), cancellationToken);
            foreach (var match in results)
            {
                // Each group's list is filled by that group only, and groups hold distinct messages.
                matches[group.Items[match.TextIndex].index].Add(match);
            }
        }));
        return matches;
    }

    /// <summary>The embedder's dimension, which format Vectors checks messages against.</summary>
    public Task<int> GetEmbeddingDimensionAsync(CancellationToken cancellationToken)
        => RetryAsync(() => grains.GetGrain<IScoringGatewayGrain>(0).GetEmbeddingDimension(), cancellationToken);

    private async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + options.Value.ScoringRetryTimeout;
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not OperationCanceledException && time.GetUtcNow() + delay < deadline)
            {
                logger.LogWarning("Scoring call failed (attempt {Attempt}), retrying in {Delay}: {Error}", attempt, delay, e.Message);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
    }
}
