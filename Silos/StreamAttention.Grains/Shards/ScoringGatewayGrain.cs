using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Live;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Embeddings;
using StreamAttention.Embeddings.Windows;
using StreamAttention.Grains.Attention;
using StreamAttention.Grains.Live;
using StreamAttention.Grains.Options;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Stateless, so any silo scores locally what it receives; reentrant, so one request's fan-out does not hold up the
/// next one's embedding. A batch goes once to each active silo's <see cref="ISiloScoringGrain"/>, which scores it
/// against every shard index published there; a shard no silo covered (it changed since it last published, or is not
/// active) is scored through its own grain, which rebuilds and publishes it. A long text goes as its windows
/// (<see cref="ScoringOptions.MaxWindows"/>), each a message to the silos; per text and interest the best window's match
/// is kept (<see cref="MessageWindows"/>). Each match then gets an id (derived from its text's source id when the
/// caller gives one, so a batch scored again keeps its ids: <see cref="MatchIds"/>) and its
/// user grain's delivery decision (<see cref="DeliveryDecisions"/>, which also records it in the user's history) and
/// goes to <see cref="MatchDelivery"/> (the live feed) without waiting for it.
/// </summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike.
[StatelessWorker, Reentrant, GrainType("scoringgateway")]
public sealed class ScoringGatewayGrain(
    ITextEmbedder embedder,
    IOptions<ShardingOptions> sharding,
    IOptions<ScoringOptions> scoring,
    IClusterMembershipService membership,
    DeliveryDecisions decisions,
    MatchDelivery delivery,
    MatchBroadcaster broadcaster,
    TimeProvider time,
    GatewayInstruments metrics,
    BatchingInstruments routing,
    ILogger<ScoringGatewayGrain> logger) : Grain, IScoringGatewayGrain
{
    /// <summary>A span per scored batch, under the grain call's own Orleans span, with what went in and came out.</summary>
    private static readonly ActivitySource Activities = new(InstrumentNames.GatewayActivitySource);

    public async Task<IReadOnlyList<TextMatch>> Score(IReadOnlyList<string> texts, string? userId, string? tenant, IReadOnlyList<string>? sourceIds,
        IReadOnlyList<string>? messageIds, CancellationToken cancellationToken)
    {
        RequireOnePerText(sourceIds, texts);
        RequireOnePerText(messageIds, texts);
        if (texts.Count == 0)
        {
            return [];
        }
        using var activity = StartBatch(texts.Count);
        var started = time.GetTimestamp();
        var windows = embedder.EmbedWindows(texts, scoring.Value.Windows(embedder.MaxTokens));
        CountUnknownWords(windows);
        var rows = Enumerable.Range(0, windows.Rows.Count).Select(i => windows.Rows.Row(i)).ToArray();
        return await ScoreRowsAsync(rows, windows, texts, userId, tenant, sourceIds, messageIds, started, activity, cancellationToken);
    }

    public Task<IReadOnlyList<TextMatch>> ScoreEmbedded(IReadOnlyList<EmbeddedText> messages, IReadOnlyList<string> texts, string? userId, string? tenant,
        IReadOnlyList<string>? sourceIds, IReadOnlyList<string>? messageIds, CancellationToken cancellationToken)
    {
        if (messages.Count != texts.Count)
        {
            throw new ArgumentException($"{messages.Count} messages but {texts.Count} texts.", nameof(texts));
        }
        RequireOnePerText(sourceIds, texts);
        RequireOnePerText(messageIds, texts);
        // A wrong shape would fail the silo-wide run that other requests share.
        if (messages.Select((m, i) => (m, i)).FirstOrDefault(x => !x.m.HasShape(embedder.Dimension)) is ({ } bad, var index))
        {
            throw new ArgumentException($"Message {index} does not have the shape of {bad.Tokens.Length} tokens of dimension {embedder.Dimension}.", nameof(messages));
        }
        return messages.Count == 0 ? Task.FromResult<IReadOnlyList<TextMatch>>([]) : ScoreEmbeddedAsync(messages, texts, userId, tenant, sourceIds, messageIds, cancellationToken);
    }

    /// <summary>
    /// What the model could not read of the texts: one pass over the batch's per-text counts, which the embedder made
    /// anyway (a text's unknown words are on its first window). Texts embedded by the caller carry no such count.
    /// </summary>
    private void CountUnknownWords(MessageWindows windows)
    {
        long unknownWords = 0, textsWithoutKnownWords = 0;
        for (var text = 0; text < windows.Count; text++)
        {
            var first = windows.FirstRow(text);
            var unknown = windows.Rows.UnknownWords[first];
            unknownWords += unknown;
            textsWithoutKnownWords += unknown > 0 && windows.Rows.TokenCount(first) == 0 ? 1 : 0;
        }
        metrics.UnknownWords.Add(unknownWords);
        metrics.TextsWithoutKnownWords.Add(textsWithoutKnownWords);
    }

    private static void RequireOnePerText(IReadOnlyList<string>? ids, IReadOnlyList<string> texts, [CallerArgumentExpression(nameof(ids))] string name = "")
    {
        if (ids is not null && ids.Count != texts.Count)
        {
            throw new ArgumentException($"{ids.Count} {name} but {texts.Count} texts.", name);
        }
    }

    private async Task<IReadOnlyList<TextMatch>> ScoreEmbeddedAsync(IReadOnlyList<EmbeddedText> messages, IReadOnlyList<string> texts, string? userId, string? tenant,
        IReadOnlyList<string>? sourceIds, IReadOnlyList<string>? messageIds, CancellationToken cancellationToken)
    {
        using var activity = StartBatch(texts.Count);
        return await ScoreRowsAsync(messages, windows: null, texts, userId, tenant, sourceIds, messageIds, time.GetTimestamp(), activity, cancellationToken);
    }

    private static Activity? StartBatch(int messages)
    {
        var activity = Activities.StartActivity("score batch");
        activity?.SetTag("streamattention.messages", messages);
        return activity;
    }

    public Task<int> GetEmbeddingDimension() => Task.FromResult(embedder.Dimension);

    /// <param name="windows">What texts the rows are windows of; null: each row is its text, embedded by the caller.</param>
    /// <param name="sourceIds">The texts' ids in their source, which the match ids are derived from; null: new ids.</param>
    /// <param name="messageIds">The messages' own ids, kept with their matches; null: none.</param>
    private async Task<IReadOnlyList<TextMatch>> ScoreRowsAsync(IReadOnlyList<EmbeddedText> rows, MessageWindows? windows, IReadOnlyList<string> texts,
        string? userId, string? tenant, IReadOnlyList<string>? sourceIds, IReadOnlyList<string>? messageIds, long started, Activity? activity, CancellationToken cancellationToken)
    {
        // The silos need the raw texts too: keyword rules and term evidence read their words, not the embedder's tokens.
        // A window carries its whole message's text: the rules are about the message.
        rows = rows.Select((row, i) => row.Text is null ? row with { Text = texts[windows?.TextOf(i) ?? i] } : row).ToArray();
        var found = userId is not null
            ? await GrainFactory.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(userId, sharding.Value.ShardCount)).Score(new ShardScoreRequest(rows, userId), cancellationToken)
            : tenant is not null
                ? await ScoreTenantAsync(rows, tenant, cancellationToken)
                : await ScoreEveryoneAsync(rows, cancellationToken);
        // Per match from here on: one pass each, and one TextMatch built at the end with the decision.
        var kept = windows is not null
            ? windows.BestWindows(found, m => m.TextIndex, m => (m.UserId, m.InterestId), m => m.Score)
            : found.Select(m => (Text: m.TextIndex, Match: m)).ToList();
        kept.Sort(static (a, b) => CompareForReturn(a.Text, a.Match, b.Text, b.Match));
        // The contextual tiers cut their own windows and say so with each match (every match they deliver they decided).
        var windowsTruncate = windows is not null && scoring.Value.Tier == ScoringTier.Fast;
        var at = time.GetUtcNow();
        var ids = sourceIds is null ? MatchIds.Create(kept.Count, at) : MatchIds.OfSources(sourceIds, texts, kept);
        var undecided = new (string UserId, UserMatch Match)[kept.Count];
        for (var i = 0; i < kept.Count; i++)
        {
            var (text, m) = kept[i];
            undecided[i] = (m.UserId, new UserMatch(at, m.InterestId, texts[text], m.Score, m.Highlights, ids[i],
                Truncated: windowsTruncate ? windows!.Truncated(text) : m.Truncated, RawScore: m.RawScore, Source: sourceIds?[text], MessageId: messageIds?[text]));
        }
        // Before the decisions: the feed drops the matches of users erased after it (whom their grains did not withdraw).
        var decidedAfter = broadcaster.ErasuresHeard;
        var (decided, undecidedUsers) = await decisions.DecideAsync(undecided, cancellationToken);
        var incarnations = undecidedUsers.Count == 0 ? null : await IncarnationsAsync(undecidedUsers.Keys);
        var matches = new List<TextMatch>(kept.Count);
        for (var i = 0; i < kept.Count; i++)
        {
            var (text, m) = kept[i];
            var decision = decided[i];
            if (decision.Delivery == DeliveryKinds.Withdrawn)
            {
                // Its interest or user is gone: no caller, stream or topic gets it.
                continue;
            }
            matches.Add(new TextMatch(text, m.UserId, m.InterestId, decision.Score, m.Highlights, ids[i], decision.Delivery, decision.DuplicateOf,
                undecided[i].Match.Truncated, m.RawScore, undecidedUsers.GetValueOrDefault(m.UserId), incarnations?.GetValueOrDefault(m.UserId)));
        }
        // The live feed forms a listener's match from these: the same values as the user's history entry (which an
        // undecided match does not have: it reaches the user when its dead letter is replayed).
        var live = undecidedUsers.Count == 0 ? matches : matches.FindAll(m => m.Delivery != DeliveryKinds.Undecided);
        await delivery.EnqueueAsync(new LiveBatch(at, texts, live, sourceIds, messageIds, decidedAfter), cancellationToken);
        (this.GetPrimaryKeyLong() == ScoringGatewayKeys.Requests ? metrics.RequestTexts : metrics.Messages).Add(texts.Count);
        metrics.Matches.Add(matches.Count);
        metrics.Duration.Record(time.GetElapsedTime(started).TotalMilliseconds);
        activity?.SetTag("streamattention.matches", matches.Count);
        return matches;
    }

    /// <summary>
    /// The incarnations of the users whose grains could not decide, as their shards hold them (the user's grain, failing,
    /// may not answer): the rows these matches were scored against, unless the user was erased since (then none, and
    /// its dead letter carries none). Users whose shard knows none are left out.
    /// </summary>
    private async Task<Dictionary<string, Guid?>> IncarnationsAsync(IEnumerable<string> userIds)
    {
        var users = userIds.ToArray();
        var incarnations = await Task.WhenAll(users.Select(IncarnationOrNoneAsync));
        return users.Zip(incarnations).Where(u => u.Second != Guid.Empty).ToDictionary(u => u.First, u => (Guid?)u.Second, StringComparer.Ordinal);
    }

    /// <summary>
    /// None when the user's shard cannot answer (its storage down, as likely as not when the user's own grain could not
    /// decide): that user's dead letter then carries no incarnation (the erasure-mark rule applies to its replay), and
    /// the batch is not failed for every other user.
    /// </summary>
    private async Task<Guid> IncarnationOrNoneAsync(string user)
    {
        try
        {
            return await GrainFactory.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(user, sharding.Value.ShardCount)).IncarnationOf(user);
        }
        catch (Exception e)
        {
            logger.LogWarning("The shard of user {User} could not give its incarnation ({Error}); its dead letter carries none", user, e.Message);
            return Guid.Empty;
        }
    }

    /// <summary>The order of the returned matches: by text, best score first, then by user and interest (a total order).</summary>
    private static int CompareForReturn(int textA, TextMatch a, int textB, TextMatch b)
    {
        var order = textA.CompareTo(textB);
        if (order == 0)
        {
            order = b.Score.CompareTo(a.Score);
        }
        if (order == 0)
        {
            order = string.CompareOrdinal(a.UserId, b.UserId);
        }
        return order != 0 ? order : string.CompareOrdinal(a.InterestId, b.InterestId);
    }

    /// <summary>One call per active silo, then one per shard that no silo covered; every shard's matches counted once.</summary>
    private async Task<IReadOnlyList<TextMatch>> ScoreEveryoneAsync(IReadOnlyList<EmbeddedText> rows, CancellationToken cancellationToken)
    {
        var shardCount = sharding.Value.ShardCount;
        var silos = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress);
        var covered = new Dictionary<int, IReadOnlyList<TextMatch>>();
        foreach (var result in await Task.WhenAll(silos.Select(silo => ScoreOnSiloAsync(silo, rows, cancellationToken))))
        {
            foreach (var shard in result.Shards.Where(s => s.Shard < shardCount))
            {
                covered.TryAdd(shard.Shard, shard.Matches);
            }
        }
        var missing = Enumerable.Range(0, shardCount).Where(shard => !covered.ContainsKey(shard)).ToArray();
        routing.ShardRequests.Add(covered.Count, new KeyValuePair<string, object?>("route", "silo"));
        routing.ShardRequests.Add(missing.Length, new KeyValuePair<string, object?>("route", "shard"));
        var direct = await Task.WhenAll(missing.Select(shard => GrainFactory.GetGrain<IScoringShardGrain>(shard).Score(new ShardScoreRequest(rows), cancellationToken)));
        return Concat([.. covered.Values, .. direct]);
    }

    /// <summary>
    /// One tenant's users: each shard scores only that tenant's rows (gathered for the call), so other tenants'
    /// interests are never scanned for this batch.
    /// </summary>
    private async Task<IReadOnlyList<TextMatch>> ScoreTenantAsync(IReadOnlyList<EmbeddedText> rows, string tenant, CancellationToken cancellationToken)
    {
        var request = new ShardScoreRequest(rows, Tenant: tenant);
        var found = await Task.WhenAll(Enumerable.Range(0, sharding.Value.ShardCount)
            .Select(shard => GrainFactory.GetGrain<IScoringShardGrain>(shard).Score(request, cancellationToken)));
        routing.ShardRequests.Add(found.Length, new KeyValuePair<string, object?>("route", "shard"));
        return Concat(found);
    }

    /// <summary>
    /// The shards' matches in one array of their total size, so the per-match list the gateway forms from it is sized
    /// at once too (from a lazy concatenation, both grew by doubling: hundreds of thousands of entries at 100,000 interests).
    /// </summary>
    private static TextMatch[] Concat(IReadOnlyList<IReadOnlyList<TextMatch>> parts)
    {
        var all = new TextMatch[parts.Sum(p => p.Count)];
        var at = 0;
        foreach (var part in parts)
        {
            foreach (var match in part)
            {
                all[at++] = match;
            }
        }
        return all;
    }

    /// <summary>
    /// The silo's scoring grain, placed on that silo (<see cref="SiloPlacement"/>). A silo that is leaving or lost covers
    /// nothing, so its shards are scored through their own grains; a busy or cancelled call fails the batch.
    /// </summary>
    private async Task<SiloScoreResult> ScoreOnSiloAsync(SiloAddress silo, IReadOnlyList<EmbeddedText> rows, CancellationToken cancellationToken)
    {
        try
        {
            return await GrainFactory.GetGrain<ISiloScoringGrain>(silo.ToParsableString()).Score(rows, cancellationToken);
        }
        catch (Exception e) when (e is not ScoringBusyException and not OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SiloScoreResult([]);
        }
    }
}
