using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Stateless, so any silo scores locally what it receives; reentrant, so one request's fan-out does not hold up the
/// next one's embedding.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class ScoringGatewayGrain(ITextEmbedder embedder, IOptions<ShardingOptions> sharding, TimeProvider time) : Grain, IScoringGatewayGrain
{
    public async Task<IReadOnlyList<TextMatch>> Score(IReadOnlyList<string> texts, string? userId = null)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        var embedded = embedder.Embed(texts);
        return await ScoreRowsAsync(Enumerable.Range(0, embedded.Count).Select(i => embedded.Row(i)).ToArray(), texts, userId);
    }

    public Task<IReadOnlyList<TextMatch>> ScoreEmbedded(IReadOnlyList<EmbeddedText> messages, IReadOnlyList<string> texts, string? userId = null)
    {
        if (messages.Count != texts.Count)
        {
            throw new ArgumentException($"{messages.Count} messages but {texts.Count} texts.", nameof(texts));
        }
        // A wrong shape would fail the silo-wide run that other shards' requests share.
        if (messages.Select((m, i) => (m, i)).FirstOrDefault(x => !x.m.HasShape(embedder.Dimension)) is ({ } bad, var index))
        {
            throw new ArgumentException($"Message {index} does not have the shape of {bad.Tokens.Length} tokens of dimension {embedder.Dimension}.", nameof(messages));
        }
        return messages.Count == 0 ? Task.FromResult<IReadOnlyList<TextMatch>>([]) : ScoreRowsAsync(messages, texts, userId);
    }

    public Task<int> GetEmbeddingDimension() => Task.FromResult(embedder.Dimension);

    private async Task<IReadOnlyList<TextMatch>> ScoreRowsAsync(IReadOnlyList<EmbeddedText> rows, IReadOnlyList<string> texts, string? userId)
    {
        var request = new ShardScoreRequest(Guid.NewGuid(), rows, userId);
        var shardCount = sharding.Value.ShardCount;
        var shards = userId is null ? Enumerable.Range(0, shardCount) : [ShardMap.ShardOf(userId, shardCount)];
        var results = await Task.WhenAll(shards.Select(shard => GrainFactory.GetGrain<IScoringShardGrain>(shard).Score(request)));
        var matches = results.SelectMany(r => r)
            .OrderBy(m => m.TextIndex).ThenByDescending(m => m.Score)
            .ThenBy(m => m.UserId, StringComparer.Ordinal).ThenBy(m => m.InterestId, StringComparer.Ordinal)
            .ToArray();
        await AppendToHistoriesAsync(texts, matches);
        return matches;
    }

    private Task AppendToHistoriesAsync(IReadOnlyList<string> texts, TextMatch[] matches)
    {
        var at = time.GetUtcNow();
        return Task.WhenAll(matches.GroupBy(m => m.UserId).Select(user => GrainFactory.GetGrain<IUserGrain>(user.Key)
            .AppendMatches(user.Select(m => new UserMatch(at, m.InterestId, texts[m.TextIndex], m.Score, m.Highlights)).ToArray())));
    }
}
