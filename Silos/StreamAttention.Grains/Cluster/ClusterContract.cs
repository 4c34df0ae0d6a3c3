using System.ComponentModel.DataAnnotations;
using Orleans.Metadata;

namespace StreamAttention.Grains.Cluster;

/// <summary>
/// Which builds may serve one cluster together: silos agree only where they share <see cref="Version"/>. Each silo
/// publishes its version in the cluster manifest, as a property of the user grain's type
/// (<see cref="ClusterContractAttribute"/>), so every silo knows every other's without a grain call (a call may land on
/// a silo of the other build). Raise it with a change that a silo of the previous build cannot serve beside: a stored
/// record or grain call that build cannot read, a grain, placement or method it does not know. Silos of two versions
/// then never serve together: the one that starts last refuses (<see cref="ClusterContractCheck"/>).
/// </summary>
public static class ClusterContract
{
    /// <summary>
    /// 1: the first build that publishes it. Builds before published none, and none of them can serve beside this one
    /// (fingerprints stored as sketches, the shards' own placement, the cluster model grain).
    /// 2: an erasure carries its time (<c>IMatchFeedGrain.EraseUser</c>, <c>IMatchFeedObserver.OnUserErased</c>), a
    /// subscription returns the erasures remembered, and <c>IUserGrain.Erase</c> returns its steps' outcome: same
    /// aliases, other argument and result types, which a silo of version 1 cannot read.
    /// 3: the feed grain persists its erasures (a stored record of its own) and answers <c>IMatchFeedGrain.ErasedSince</c>,
    /// which the ingest calls before producing; a silo of version 2 knows neither.
    /// 4: <c>IScoringShardGrain.Register</c> returns the newest version of the user's rows the shard knows, and the shard's
    /// membership record keeps its recent removals (<c>ShardRemoval</c>, a stored type a silo of version 3 cannot read).
    /// 5: the ingest orders erasures by the feed grain's count of them (<c>IMatchFeedGrain.CurrentErasureMark</c> and
    /// <c>ErasedAfter</c>, with the new <c>ErasureMark</c>), not by time (<c>ErasedSince</c> is gone); a silo of version 4
    /// knows neither call, and an ingest of version 4 calls one this build does not have.
    /// 6: a user whose record was stored again after Redis lost its data calls <c>IScoringShardGrain.Rejoin</c>, which a
    /// silo of version 5 does not have.
    /// 7: the user routes ask whether anything is kept about a user with <c>IUserGrain.HoldsAnything</c>, not its export,
    /// and whether it holds an interest (streams, <c>/score</c>) with <c>IUserGrain.HasInterests</c>, not its interests;
    /// a silo of version 6 has neither.
    /// 8: the silo scoring grain is placed by its own strategy (<c>SiloPlacement</c>) on the silo its key names, not by a
    /// placement hint; a silo of version 7 does not know the strategy. And quiet hours name their critical interests
    /// (<c>QuietHoursPolicy.CriticalInterests</c>): a silo of version 7 reads a policy that names them without the list
    /// and writes it back so at the user's next write, or stores a policy put through it so: every interest would break
    /// the quiet hours again, and nothing would say so.
    /// 9: the gateway's <c>Score</c> and <c>ScoreEmbedded</c> take the messages' ids, and a user's history entry keeps its
    /// message's (<c>UserMatch.MessageId</c>); a user's attention state and log entries count suppressed near-duplicates
    /// against their originals (<c>AttentionState.Repeats</c>, <c>AttentionEntry.Repeats</c>) and a digest lists them
    /// (<c>Digest.Repeats</c>, the new <c>DigestRepeat</c>), as a user's export does those waiting
    /// (<c>UserDataExport.RepeatsWaitingForDigest</c>): an ingest of version 8 sends no ids, and a silo of version 8
    /// cannot read the new type and would drop the ids and the counts from the records it writes back.
    /// 10: a user's state keeps its incarnation (<c>UserInterestsState.Incarnation</c>), its rows carry it to its shard
    /// (<c>UserScoringRows.Incarnation</c>), the gateway asks the shard for it (<c>IScoringShardGrain.IncarnationOf</c>) and
    /// returns it with an undecided match (<c>TextMatch.Incarnation</c>), and the ingest asks the user's
    /// (<c>IUserGrain.GetIncarnation</c>) before a replay: a silo of version 9 has neither call and would drop the
    /// incarnation from the state it writes back, so the user's dead letters since would no longer reach it.
    /// 11: a live batch carries the erasure mark taken before its decisions (<c>LiveBatch.DecidedAfter</c>), which each
    /// silo hears from the feed grain (<c>IMatchFeedObserver.OnUserErased</c> takes it, <c>IMatchFeedGrain.Subscribe</c>
    /// returns it in the new <c>LiveFeedSubscription</c>): a silo of version 10 can read neither call's new form.
    /// 12: a tenant counts a user with a delivery policy alone (<c>ITenantGrain.Reserve</c> and <c>Release</c> keep a
    /// user counted at 0 interests, the new <c>Remove</c> ends its count, <c>IUserGrain.PutPolicy</c> reserves): a silo
    /// of version 11 does not have <c>Remove</c>, and its <c>Release</c> of 0 would end the count of a user that keeps a policy.
    /// 13: the users without a tenant are counted by the tenant grain of key <c>Ids.NoTenant</c>, which counts those stored
    /// before at its first activation and stores that it did (<c>TenantUsageState.StoredUsersCounted</c>): a silo of
    /// version 12 counts none of them, so users it stored beside this build would be missing from their count and export.
    /// A tenant's counts are split over the records of <c>TenantUsersState</c> (a silo of version 12 reads its one record only).
    /// Not raised for <c>IStorageCallsExtension</c> (a decision past its deadline asks the user whether it waits on storage):
    /// a silo of version 13 without it fails the question, and the asker then takes the user for hung, as version 13 does.
    /// </summary>
    public const string Version = "13";

    /// <summary>The grain property that holds a silo's version in the cluster manifest.</summary>
    public const string Property = "streamattention.cluster-contract";

    /// <summary>The grain type that carries <see cref="Property"/>: the user grain, which every build has.</summary>
    public static readonly GrainType CarrierType = GrainType.Create("user");

    /// <summary>
    /// Why <paramref name="local"/> (of <paramref name="version"/>) may not serve beside one of <paramref name="others"/>,
    /// or null when every one of them publishes the same version. A silo whose manifest is not known yet is passed over.
    /// </summary>
    public static string? Conflict(ClusterManifest manifest, SiloAddress local, IEnumerable<SiloAddress> others, string version)
    {
        foreach (var other in others)
        {
            if (!manifest.Silos.TryGetValue(other, out var grains))
            {
                continue;
            }
            var theirs = grains.Grains.TryGetValue(CarrierType, out var carrier) && carrier.Properties.TryGetValue(Property, out var published) ? published : null;
            if (theirs != version)
            {
                var build = theirs is null ? "a build from before cluster contracts" : $"a build of cluster contract {theirs}";
                return $"silo {local} runs a build of cluster contract {version} and the cluster's active silo {other} {build}: silos of these builds cannot serve one cluster "
                    + "(one cannot read the other's stored records or grain calls). Stop every silo of the other build before starting this one (Deploy/README.md, \"Upgrading\").";
            }
        }
        return null;
    }

    /// <exception cref="ValidationException">An active silo runs a build of another version.</exception>
    public static void ThrowIfConflict(ClusterManifest manifest, SiloAddress local, IEnumerable<SiloAddress> others, string version)
    {
        if (Conflict(manifest, local, others, version) is { } conflict)
        {
            throw new ValidationException(conflict);
        }
    }
}

/// <summary>Publishes <see cref="ClusterContract.Version"/> as a property of the grain type it marks.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ClusterContractAttribute : Attribute, IGrainPropertiesProviderAttribute
{
    public void Populate(IServiceProvider services, Type grainClass, GrainType grainType, Dictionary<string, string> properties)
        => properties[ClusterContract.Property] = ClusterContract.Version;
}
