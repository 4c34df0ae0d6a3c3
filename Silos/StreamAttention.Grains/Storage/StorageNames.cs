namespace StreamAttention.Grains.Storage;

public static class StorageNames
{
    /// <summary>The grain storage of users' interests and of shard memberships.</summary>
    public const string Interests = "interests";
}
