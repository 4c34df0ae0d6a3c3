using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using StreamAttention.Contracts;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;
using StreamAttention.Embeddings;
using StreamAttention.Scoring;
using StreamAttention.Scoring.Options;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Holds the interest matrices of its users. Reentrant: scoring waits on the silo's batcher, and updates must not
/// queue behind it; every mutation happens between awaits and scoring works on an immutable index snapshot.
/// A change drops the index and withdraws it from the silo's <see cref="SiloInterestIndex"/>, so the silo's scoring
/// grain no longer covers the shard; the next score through this grain rebuilds the index from the users' embedded
/// rows (a copy, no embedding) and publishes it again.
/// On activation a member whose grain fails to answer is left out (only that user's matches are missing) and asked
/// again every <see cref="MissingUserRetry"/> until it answers.
/// Kept alive: a shard is one of few and rebuilding it asks every one of its users.
/// </summary>
[Reentrant, KeepAlive]
public sealed class ScoringShardGrain(
    [PersistentState("shard", StorageNames.Interests)] IPersistentState<ShardMembershipState> membership,
    ShardScoringBatcher batcher,
    ITextEmbedder embedder,
    IOptions<ScoringOptions> scoring,
    ILogger<ScoringShardGrain> logger) : Grain, IScoringShardGrain
{
    /// <summary>User grains asked at once while rebuilding.</summary>
    private const int RebuildConcurrency = 256;

    private static readonly TimeSpan MissingUserRetry = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, UserScoringRows> _users = [];

    /// <summary>Members whose rows could not be read yet; see <see cref="MissingUserRetry"/>.</summary>
    private readonly HashSet<string> _missing = [];
    private IGrainTimer? _retry;
    private InterestIndex? _index;
    private readonly Dictionary<string, InterestIndex> _tenantIndexes = new(StringComparer.Ordinal);
    private Task? _pendingWrite;
    private Task _lastWrite = Task.CompletedTask;

    /// <summary>The membership in memory differs from what storage holds (a change not written yet, or a failed write).</summary>
    private bool _unsaved;

    private int Shard => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await LoadAsync(membership.State.Users.ToArray());
        // Published now, so the silo's next run already covers this shard.
        CurrentIndex();
        if (_users.Count > 0)
        {
            logger.LogInformation("Shard {Shard} rebuilt from {Users} users with {Interests} interests in {Elapsed} ms ({Missing} users missing)",
                Shard, _users.Count, _users.Values.Sum(u => u.Interests.Count), clock.ElapsedMilliseconds, _missing.Count);
        }
    }

    /// <summary>Reads the rows of <paramref name="users"/>; a user whose grain fails is only marked missing.</summary>
    private async Task LoadAsync(IReadOnlyList<string> users)
    {
        foreach (var chunk in users.Chunk(RebuildConcurrency))
        {
            var rows = await Task.WhenAll(chunk.Select(async user =>
            {
                try
                {
                    return await GrainFactory.GetGrain<IUserGrain>(user).GetScoringRows();
                }
                catch (Exception e)
                {
                    logger.LogWarning("Shard {Shard}: user {User} did not give its interests ({Error}); retrying in {Delay}", Shard, user, e.Message, MissingUserRetry);
                    return null;
                }
            }));
            for (var i = 0; i < chunk.Length; i++)
            {
                if (rows[i] is not { } loaded)
                {
                    _missing.Add(chunk[i]);
                    continue;
                }
                _missing.Remove(chunk[i]);
                // An update that arrived meanwhile is at least as new.
                if (loaded.Interests.Count > 0 && !_users.ContainsKey(chunk[i]))
                {
                    _users[chunk[i]] = loaded;
                    Invalidate();
                }
            }
        }
        if (_missing.Count > 0)
        {
            _retry ??= this.RegisterGrainTimer(RetryMissingAsync, MissingUserRetry, MissingUserRetry);
        }
        else
        {
            _retry?.Dispose();
            _retry = null;
        }
    }

    private Task RetryMissingAsync(CancellationToken cancellationToken)
        => LoadAsync(_missing.Where(membership.State.Users.Contains).ToArray());

    public Task Register(string userId) => AddMemberAsync(userId);

    public async Task Update(string userId, UserScoringRows rows)
    {
        if (_users.TryGetValue(userId, out var held) && held.Version > rows.Version)
        {
            return;
        }
        Invalidate();
        _missing.Remove(userId);
        if (rows.Interests.Count > 0)
        {
            _users[userId] = rows;
            // Normally registered already; this heals a membership that lost the user.
            await AddMemberAsync(userId);
            return;
        }
        _users.Remove(userId);
        if (membership.State.Users.Remove(userId))
        {
            _unsaved = true;
            await PersistMembershipAsync();
        }
    }

    public async Task<IReadOnlyList<TextMatch>> Score(ShardScoreRequest request, CancellationToken cancellationToken)
    {
        var index = request.UserId is not null ? BuildIndex(_users.Where(u => u.Key == request.UserId))
            : request.Tenant is not null ? TenantIndex(request.Tenant)
            : CurrentIndex();
        if (index.Count == 0)
        {
            return [];
        }
        var pairs = await batcher.ScoreAsync(request.Messages, index, cancellationToken);
        return pairs.Select(pair =>
        {
            var interest = index.Interests[pair.InterestIndex];
            return new TextMatch(pair.MessageIndex, interest.UserId!, interest.Id, pair.Score, pair.Highlights);
        }).ToArray();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        batcher.Index.Withdraw(Shard);
        return Task.CompletedTask;
    }

    public Task<ShardStatistics> GetStatistics()
        => Task.FromResult(new ShardStatistics(_users.Count, _users.Values.Sum(u => u.Interests.Count)));

    /// <summary>The index of all the shard's users, rebuilt after a change and published to the silo's index.</summary>
    private InterestIndex CurrentIndex()
    {
        if (_index is null)
        {
            _index = BuildIndex(_users);
            batcher.Index.Publish(Shard, _index);
        }
        return _index;
    }

    /// <summary>The index of one tenant's users of this shard, kept until the shard's users change.</summary>
    private InterestIndex TenantIndex(string tenant)
    {
        if (!_tenantIndexes.TryGetValue(tenant, out var index))
        {
            var prefix = $"{tenant}/";
            index = BuildIndex(_users.Where(u => u.Key.StartsWith(prefix, StringComparison.Ordinal)));
            _tenantIndexes[tenant] = index;
        }
        return index;
    }

    /// <summary>Until rebuilt, the silo's scoring grain leaves this shard to its own grain, which rebuilds it.</summary>
    private void Invalidate()
    {
        _index = null;
        _tenantIndexes.Clear();
        batcher.Index.Withdraw(Shard);
    }

    private InterestIndex BuildIndex(IEnumerable<KeyValuePair<string, UserScoringRows>> users)
    {
        var interests = new List<InterestDefinition>();
        var rows = new List<EmbeddedText>();
        foreach (var (userId, user) in users)
        {
            foreach (var interest in user.Interests)
            {
                interests.Add(new InterestDefinition(interest.Id, interest.Text, userId, interest.Threshold));
                rows.Add(interest.Embedding);
            }
        }
        return InterestIndex.FromRows(interests, rows, embedder.Dimension, scoring.Value);
    }

    /// <summary>Returns once storage lists the user, writing only when it may not.</summary>
    private Task AddMemberAsync(string userId)
    {
        if (membership.State.Users.Add(userId))
        {
            _unsaved = true;
        }
        // Not unsaved: the last write, perhaps still in flight, lists the user.
        return _unsaved ? PersistMembershipAsync() : _lastWrite;
    }

    /// <summary>
    /// Group commit: changes made while a write is in flight share the one write queued behind it, so a bulk import
    /// registering thousands of users writes the membership a few times, not once per user.
    /// </summary>
    private Task PersistMembershipAsync()
    {
        if (_pendingWrite is null)
        {
            _pendingWrite = WriteAfterAsync(_lastWrite);
            _lastWrite = _pendingWrite;
        }
        return _pendingWrite;
    }

    private async Task WriteAfterAsync(Task previous)
    {
        // Yielding first lets the caller publish this task as the pending write before it starts.
        await Task.Yield();
        try
        {
            await previous;
        }
        catch
        {
            // The previous write's callers saw its failure; this write carries its changes again.
        }
        _pendingWrite = null;
        _unsaved = false;
        try
        {
            await membership.WriteStateAsync();
        }
        catch
        {
            _unsaved = true;
            throw;
        }
    }
}
