using Orleans.Persistence.Redis;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;

namespace StreamAttention.Ingest.Tests;

/// <summary>
/// How the ingest, a caller outside the silos, tells the grains' storage failing: by the one rule the silos use, so a
/// Redis error that reaches it unnamed (not turned into <see cref="StorageUnavailableException"/> by a silo's call
/// filter) is still the storage's failure, waited for, not the messages'.
/// </summary>
public sealed class ClusterFailuresTests
{
    public static TheoryData<Exception> StorageOutages() =>
    [
        new StorageUnavailableException("the grain's storage did not answer"),
        new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect to the redis server(s)."),
        new RedisTimeoutException("Timeout performing HGETALL", CommandStatus.Sent),
        new OrleansException("Error activating grain", new RedisConnectionException(ConnectionFailureType.SocketFailure, "socket closed")),
        new RedisStorageException("Failed to read state: StackExchange.Redis.RedisTimeoutException: Timeout performing EVAL"),
    ];

    public static TheoryData<Exception> OtherFailures() =>
    [
        new RedisServerException("WRONGTYPE Operation against a key holding the wrong kind of value"),
        new RedisStorageException("ETag mismatch"),
        new TimeoutException("the cluster did not answer"),
        new InvalidOperationException("refused"),
    ];

    [Theory]
    [MemberData(nameof(StorageOutages))]
    public void The_storage_not_answering_is_a_storage_outage_whether_or_not_a_silo_named_it(Exception failure)
        => Assert.True(ClusterFailures.IsStorageUnavailable(failure));

    [Theory]
    [MemberData(nameof(OtherFailures))]
    public void Redis_refusing_a_command_or_the_cluster_failing_is_no_storage_outage(Exception failure)
        => Assert.False(ClusterFailures.IsStorageUnavailable(failure));
}
