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
/// A change drops the index, which the next score rebuilds from the users' embedded rows (a copy, no embedding)
/// and publishes to the silo's <see cref="ShardScoringBatcher"/>.
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

    private readonly Dictionary<string, UserScoringRows> _users = [];
    private InterestIndex? _index;
    private Task? _pendingWrite;
    private Task _lastWrite = Task.CompletedTask;

    /// <summary>The membership in memory differs from what storage holds (a change not written yet, or a failed write).</summary>
    private bool _unsaved;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var chunk in membership.State.Users.ToArray().Chunk(RebuildConcurrency))
        {
            var rows = await Task.WhenAll(chunk.Select(user => GrainFactory.GetGrain<IUserGrain>(user).GetScoringRows()));
            for (var i = 0; i < chunk.Length; i++)
            {
                if (rows[i].Interests.Count > 0)
                {
                    _users[chunk[i]] = rows[i];
                }
            }
        }
        // Published now, so the silo's next run already covers this shard.
        CurrentIndex();
        if (_users.Count > 0)
        {
            logger.LogInformation("Shard {Shard} rebuilt from {Users} users with {Interests} interests in {Elapsed} ms",
                this.GetPrimaryKeyLong(), _users.Count, _users.Values.Sum(u => u.Interests.Count), clock.ElapsedMilliseconds);
        }
    }

    public Task Register(string userId) => AddMemberAsync(userId);

    public async Task Update(string userId, UserScoringRows rows)
    {
        if (_users.TryGetValue(userId, out var held) && held.Version > rows.Version)
        {
            return;
        }
        _index = null;
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

    public async Task<IReadOnlyList<TextMatch>> Score(ShardScoreRequest request)
    {
        var index = request.UserId is null ? CurrentIndex() : BuildIndex(_users.Where(u => u.Key == request.UserId));
        if (index.Count == 0)
        {
            return [];
        }
        var pairs = request.UserId is null
            ? await batcher.ScoreAsync(this.GetPrimaryKeyLong(), request, index)
            : await batcher.ScoreAloneAsync(request.Messages, index);
        return pairs.Select(pair =>
        {
            var interest = index.Interests[pair.InterestIndex];
            return new TextMatch(pair.MessageIndex, interest.UserId!, interest.Id, pair.Score, pair.Highlights);
        }).ToArray();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        batcher.Withdraw(this.GetPrimaryKeyLong());
        return Task.CompletedTask;
    }

    public Task<ShardStatistics> GetStatistics()
        => Task.FromResult(new ShardStatistics(_users.Count, _users.Values.Sum(u => u.Interests.Count)));

    /// <summary>The index of all the shard's users, rebuilt after a change and published to the silo's batcher.</summary>
    private InterestIndex CurrentIndex()
    {
        if (_index is null)
        {
            _index = BuildIndex(_users);
            batcher.Publish(this.GetPrimaryKeyLong(), _index);
        }
        return _index;
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
