using Orleans.Concurrency;
using StreamAttention.Contracts.Grains;
using StreamAttention.Contracts.Scoring;

namespace StreamAttention.Grains.Shards;

/// <summary>
/// Scores a message batch against every shard index published on its silo, as one queued request of the silo's
/// batcher, and returns the matches per shard. Keyed by its silo's address and placed there
/// (<see cref="SiloPlacement"/>); an activation anywhere else refuses to start, so a key never scores another silo's
/// shards. Reentrant: calls only wait on the batcher.
/// </summary>
// The grain type is pinned: silos of two builds in one cluster (a rolling upgrade) must name it alike.
[Reentrant, GrainType("siloscoring"), SiloPlacement]
public sealed class SiloScoringGrain(ShardScoringBatcher batcher, ILocalSiloDetails silo) : Grain, ISiloScoringGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var key = this.GetPrimaryKeyString();
        if (key != silo.SiloAddress.ToParsableString())
        {
            throw new InvalidOperationException($"The scoring grain of silo {key} cannot run on silo {silo.SiloAddress}.");
        }
        return Task.CompletedTask;
    }

    public async Task<SiloScoreResult> Score(IReadOnlyList<EmbeddedText> messages, CancellationToken cancellationToken)
    {
        var snapshot = batcher.Index.Current();
        var pairs = snapshot.Index.Count > 0 ? await batcher.ScoreAsync(messages, snapshot.Index, cancellationToken) : [];
        return new SiloScoreResult(snapshot.Matches(pairs));
    }
}
