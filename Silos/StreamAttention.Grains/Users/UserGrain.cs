using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Contracts.Users;
using StreamAttention.Grains.Options;
using StreamAttention.Grains.Shards;

namespace StreamAttention.Grains.Users;

/// <summary>
/// A user's interests (persisted) and recent matches (in memory only). The interests' embeddings are not kept: the
/// shard holds what scoring needs, and a shard rebuilding itself gets them embedded again (cheap for static vectors). A write embeds first, registers the user with its shard before the user's
/// first interest is persisted (so a shard rebuilding itself always finds every user with interests), persists all
/// accepted inputs in one write, and only then publishes them to the shard.
/// </summary>
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Interests)] IPersistentState<UserInterestsState> state,
    InterestEmbedder embedder,
    InterestValidator validator,
    IOptions<ShardingOptions> sharding,
    TimeProvider time) : Grain, IUserGrain
{
    private readonly Queue<UserMatch> _history = new();

    private string UserId => this.GetPrimaryKeyString();

    /// <summary>The tenant of a "tenant/user" key, whose quotas the user's writes count against; null without a tenant.</summary>
    private ITenantGrain? Tenant => UserId.IndexOf('/') is > 0 and var slash ? GrainFactory.GetGrain<ITenantGrain>(UserId[..slash]) : null;

    private IScoringShardGrain Shard => GrainFactory.GetGrain<IScoringShardGrain>(ShardMap.ShardOf(UserId, sharding.Value.ShardCount));

    public async Task<InterestWriteResult> PutInterests(IReadOnlyList<InterestInput> inputs, IReadOnlyList<EmbeddedText>? embeddings = null)
    {
        if (embeddings is not null && (embeddings.Count != inputs.Count || embeddings.Any(e => !e.HasShape(embedder.Dimension))))
        {
            // A malformed row would fail every scoring run of its shard's silo, not just this user's.
            throw new ArgumentException($"Expected {inputs.Count} embeddings of dimension {embedder.Dimension}.", nameof(embeddings));
        }
        var errors = new List<InterestError>();
        var valid = new List<int>();
        for (var i = 0; i < inputs.Count; i++)
        {
            if (validator.Validate(inputs[i], i) is { } error)
            {
                errors.Add(error);
            }
            else
            {
                valid.Add(i);
            }
        }
        var rows = embeddings is null ? embedder.Embed(valid.Select(i => inputs[i].Text).ToArray()) : valid.Select(i => embeddings[i]).ToArray();

        var current = state.State.Interests;
        var accepted = new Dictionary<string, (InterestInput Input, EmbeddedText Row)>();
        var added = 0;
        for (var v = 0; v < valid.Count; v++)
        {
            var (index, input, row) = (valid[v], inputs[valid[v]], rows[v]);
            if (row.Tokens.Length == 0)
            {
                errors.Add(new InterestError(index, "text", $"none of the words of the text is known to the embedder {embedder.Name}, so it could never match"));
            }
            else if (accepted.ContainsKey(input.Id))
            {
                errors.Add(new InterestError(index, "id", $"interest id '{input.Id}' appears more than once in this write"));
            }
            else if (!current.ContainsKey(input.Id) && current.Count + added >= validator.Limits.MaxInterestsPerUser)
            {
                errors.Add(new InterestError(index, "id", $"the user already has the maximum of {validator.Limits.MaxInterestsPerUser} interests"));
            }
            else
            {
                added += current.ContainsKey(input.Id) ? 0 : 1;
                accepted[input.Id] = (input, row);
            }
        }
        if (accepted.Count == 0)
        {
            return new InterestWriteResult([], errors.OrderBy(e => e.Index).ToArray());
        }
        if (added > 0 && Tenant is { } tenant && await tenant.Reserve(UserId, current.Count + added) is { } quota)
        {
            errors.AddRange(valid.Where(i => accepted.TryGetValue(inputs[i].Id, out var kept) && ReferenceEquals(kept.Input, inputs[i]))
                .Select(i => new InterestError(i, InterestError.QuotaField, quota)));
            return new InterestWriteResult([], errors.OrderBy(e => e.Index).ToArray());
        }

        if (current.Count == 0)
        {
            await Shard.Register(UserId);
        }
        var now = time.GetUtcNow();
        var next = new Dictionary<string, StoredInterest>(current);
        var stored = new List<StoredInterest>(accepted.Count);
        foreach (var (id, (input, _)) in accepted)
        {
            var interest = new StoredInterest(id, input.Text, input.Threshold, current.TryGetValue(id, out var old) ? old.Created : now, now);
            next[id] = interest;
            stored.Add(interest);
        }
        await CommitAsync(next);
        await PublishAsync(accepted.ToDictionary(a => a.Key, a => a.Value.Row));
        return new InterestWriteResult(stored, errors.OrderBy(e => e.Index).ToArray());
    }

    public async Task<bool> DeleteInterest(string interestId)
    {
        if (!state.State.Interests.ContainsKey(interestId))
        {
            return false;
        }
        var next = new Dictionary<string, StoredInterest>(state.State.Interests);
        next.Remove(interestId);
        await CommitAsync(next);
        if (Tenant is { } tenant)
        {
            await tenant.Release(UserId, next.Count);
        }
        await PublishAsync([]);
        return true;
    }

    public Task<StoredInterest?> GetInterest(string interestId)
        => Task.FromResult(state.State.Interests.GetValueOrDefault(interestId));

    public Task<IReadOnlyList<StoredInterest>> GetInterests()
        => Task.FromResult<IReadOnlyList<StoredInterest>>(state.State.Interests.Values.OrderBy(i => i.Id, StringComparer.Ordinal).ToArray());

    public Task<UserScoringRows> GetScoringRows() => Task.FromResult(CommittedRows([]));

    public Task AppendMatches(IReadOnlyList<UserMatch> matches)
    {
        foreach (var match in matches)
        {
            _history.Enqueue(match);
        }
        while (_history.Count > validator.Limits.MatchHistorySize)
        {
            _history.Dequeue();
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UserMatch>> GetMatches(int limit)
        => Task.FromResult<IReadOnlyList<UserMatch>>(_history.Reverse().Take(limit).ToArray());

    /// <summary>Persists <paramref name="interests"/> as the next version; on failure the grain keeps its previous state.</summary>
    private async Task CommitAsync(Dictionary<string, StoredInterest> interests)
    {
        var previous = state.State;
        state.State = new UserInterestsState { Interests = interests, Version = previous.Version + 1 };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            throw;
        }
    }

    /// <summary>
    /// Sends the committed rows to the shard. Should this fail, the state is durable all the same and the shard
    /// catches up on the user's next write or on its own next activation.
    /// </summary>
    private Task PublishAsync(Dictionary<string, EmbeddedText> embedded) => Shard.Update(UserId, CommittedRows(embedded));

    /// <summary>The committed interests with their rows: those just <paramref name="embedded"/>, the others embedded again.</summary>
    private UserScoringRows CommittedRows(Dictionary<string, EmbeddedText> embedded)
    {
        var interests = state.State.Interests.Values.ToArray();
        var missing = interests.Where(i => !embedded.ContainsKey(i.Id)).ToArray();
        var rows = embedder.Embed(missing.Select(i => i.Text).ToArray());
        for (var i = 0; i < missing.Length; i++)
        {
            embedded[missing[i].Id] = rows[i];
        }
        return new UserScoringRows(state.State.Version, interests.Select(i => new ScoringInterest(i.Id, i.Text, i.Threshold, embedded[i.Id])).ToArray());
    }
}
