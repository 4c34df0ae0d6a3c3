namespace StreamAttention.Contracts.Grains;

/// <summary>How many users and interests a scoring shard holds.</summary>
[GenerateSerializer, Immutable, Alias("StreamAttention.ShardStatistics")]
public sealed record ShardStatistics(int Users, int Interests);
