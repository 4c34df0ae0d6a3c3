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
            var table = await membership.ReadRowAsync(silo, cancellationToken);
            return table.Members.Select(m => m.Item1).FirstOrDefault(entry => entry.SiloAddress.Equals(silo))?.Status;
        }
        catch (RedisClusteringException)
        {
            // Redis answers, but the table's version key is gone: the whole table was.
            return null;
        }
    }
}
