using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Grains.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Stateless, so any silo scores locally what it receives; reentrant, so one request's fan-out does not hold up the
/// next one's embedding. Matches go to the users' histories and to the live feed (<see cref="IMatchFeedGrain"/>).
/// </summary>
[StatelessWorker, Reentrant]
public sealed class ScoringGatewayGrain(ITextEmbedder embedder, IOptions<ShardingOptions> sharding, TimeProvider time, GatewayInstruments metrics) : Grain, IScoringGatewayGrain
{
    /// <summary>A span per scored batch, under the grain call's own Orleans span, with what went in and came out.</summary>
    private static readonly ActivitySource Activities = new(InstrumentNames.GatewayActivitySource);

    public async Task<IReadOnlyList<TextMatch>> Score(IReadOnlyList<string> texts, string? userId = null)
    {
        if (texts.Count == 0)
        {
            return [];
        }
        using var activity = StartBatch(texts.Count);
        var started = time.GetTimestamp();
        var embedded = embedder.Embed(texts);
        return await ScoreRowsAsync(Enumerable.Range(0, embedded.Count).Select(i => embedded.Row(i)).ToArray(), texts, userId, started, activity);
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
        return messages.Count == 0 ? Task.FromResult<IReadOnlyList<TextMatch>>([]) : ScoreEmbeddedAsync(messages, texts, userId);
    }

    private async Task<IReadOnlyList<TextMatch>> ScoreEmbeddedAsync(IReadOnlyList<EmbeddedText> messages, IReadOnlyList<string> texts, string? userId)
    {
        using var activity = StartBatch(texts.Count);
        return await ScoreRowsAsync(messages, texts, userId, time.GetTimestamp(), activity);
    }

    private static Activity? StartBatch(int messages)
    {
        var activity = Activities.StartActivity("score batch");
        activity?.SetTag("streamattention.messages", messages);
        return activity;
    }

    public Task<int> GetEmbeddingDimension() => Task.FromResult(embedder.Dimension);

    private async Task<IReadOnlyList<TextMatch>> ScoreRowsAsync(IReadOnlyList<EmbeddedText> rows, IReadOnlyList<string> texts, string? userId,
        long started, Activity? activity)
    {
        var request = new ShardScoreRequest(Guid.NewGuid(), rows, userId);
        var shardCount = sharding.Value.ShardCount;
        var shards = userId is null ? Enumerable.Range(0, shardCount) : [ShardMap.ShardOf(userId, shardCount)];
        var results = await Task.WhenAll(shards.Select(shard => GrainFactory.GetGrain<IScoringShardGrain>(shard).Score(request)));
        var matches = results.SelectMany(r => r)
            .OrderBy(m => m.TextIndex).ThenByDescending(m => m.Score)
            .ThenBy(m => m.UserId, StringComparer.Ordinal).ThenBy(m => m.InterestId, StringComparer.Ordinal)
            .ToArray();
        await DeliverAsync(texts, matches);
        metrics.Messages.Add(texts.Count);
        metrics.Matches.Add(matches.Length);
        metrics.Duration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        activity?.SetTag("streamattention.matches", matches.Length);
        return matches;
    }

    private async Task DeliverAsync(IReadOnlyList<string> texts, TextMatch[] matches)
    {
        if (matches.Length == 0)
        {
            return;
        }
        var at = time.GetUtcNow();
        var delivered = matches.Select(m => new LiveMatch(m.UserId, new UserMatch(at, m.InterestId, texts[m.TextIndex], m.Score, m.Highlights))).ToArray();
        await Task.WhenAll(delivered.GroupBy(m => m.UserId).Select(user => GrainFactory.GetGrain<IUserGrain>(user.Key)
            .AppendMatches(user.Select(m => m.Match).ToArray())));
        await GrainFactory.GetGrain<IMatchFeedGrain>(0).Publish(delivered);
    }
}
