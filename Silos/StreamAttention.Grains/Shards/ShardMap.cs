using System.Text;

namespace StreamAttention.Grains.Shards;

/// <summary>Maps a user id to its shard with FNV-1a (64-bit) over UTF-8: stable across processes and .NET versions, unlike string.GetHashCode.</summary>
public static class ShardMap
{
    public static int ShardOf(string userId, int shardCount)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(userId))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return (int)(hash % (ulong)shardCount);
    }
}
