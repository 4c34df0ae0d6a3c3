using Orleans.Clustering.Redis;

namespace StreamAttention.Server.Hosting;

/// <summary>What the cluster's membership table lists for a silo.</summary>
public static class MembershipRow
{
    public const string Absent = "absent";

    /// <summary>The silo's status in the table; null when the table lists it no more (or the whole table is gone).</summary>
    public static async Task<SiloStatus?> ListedStatusAsync(IMembershipTable membership, SiloAddress silo, CancellationToken cancellationToken)
    {
        try
        {
            return ListedStatus((await membership.ReadRowAsync(silo, cancellationToken)).Members.Select(m => m.Item1), silo);
        }
        catch (RedisClusteringException)
        {
            // Redis answers, but the table's version key is gone: the whole table was.
            return null;
        }
    }

    /// <summary>Every row of the table; empty when the whole table is gone (Redis answers, but the table's version key is gone).</summary>
    public static async Task<IReadOnlyList<MembershipEntry>> ReadAllAsync(IMembershipTable membership, CancellationToken cancellationToken)
    {
        try
        {
            return (await membership.ReadAllAsync(cancellationToken)).Members.Select(m => m.Item1).ToArray();
        }
        catch (RedisClusteringException)
        {
            return [];
        }
    }

    /// <summary>The silo's status among <paramref name="rows"/>; null when they do not list it.</summary>
    public static SiloStatus? ListedStatus(IEnumerable<MembershipEntry> rows, SiloAddress silo) => rows.FirstOrDefault(entry => entry.SiloAddress.Equals(silo))?.Status;
}
