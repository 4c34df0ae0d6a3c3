using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using StackExchange.Redis;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// How the silos' Redis grain storage names a failure of the Redis client. After a pause of Redis, StackExchange.Redis
/// fails the commands still out on the connection it tore down with the pipe's "Reading is not allowed after reader
/// was completed" (an <see cref="InvalidOperationException"/>), bare or as text in Orleans'
/// <see cref="RedisStorageException"/>: Redis did not answer, as with its timeout. Any other
/// <see cref="InvalidOperationException"/> stays the fault it is.
/// </summary>
public sealed class LostRecordStorageTests
{
    /// <summary>The pipe's own exception, as StackExchange.Redis's read loop gets it.</summary>
    private static readonly InvalidOperationException ReaderCompleted = ReadAfterReaderCompleted();

    public static TheoryData<string> Failures => ["bare", "in Orleans' storage exception"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_change_failed_by_a_read_of_the_completed_connection_fails_with_the_storage_unavailable(string failure)
    {
        var storage = Failing(failure == "bare" ? ReaderCompleted
            // As Orleans' RedisGrainStorage wraps what StackExchange.Redis threw: its type and message as text.
            : new RedisStorageException($"Failed to write grain state for user grain with ID user/paused and storage key k. {ReaderCompleted.GetType()}: {ReaderCompleted.Message}"));

        var unavailable = await Assert.ThrowsAsync<StorageUnavailableException>(() => storage.WriteStateAsync("user", GrainId.Create("user", "paused"), ReadBefore()));

        Assert.Contains(ReaderCompleted.Message, unavailable.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_invalid_operation_of_the_storage_is_not_taken_for_Redis_not_answering()
    {
        var fault = new InvalidOperationException("Collection was modified; enumeration operation may not execute.");

        Assert.Same(fault, await Assert.ThrowsAsync<InvalidOperationException>(() => Failing(fault).WriteStateAsync("user", GrainId.Create("user", "faulty"), ReadBefore())));
    }

    private static InvalidOperationException ReadAfterReaderCompleted()
    {
        var pipe = new Pipe();
        pipe.Reader.Complete();
        return Assert.Throws<InvalidOperationException>(() => pipe.Reader.TryRead(out _));
    }

    /// <summary>A record read before (it has an etag): its write goes straight to the storage, no epoch read first.</summary>
    private static GrainState<List<string>> ReadBefore() => new() { State = ["stored"], ETag = "read-before", RecordExists = true };

    /// <summary>The silos' storage over a Redis storage that fails every call with <paramref name="failure"/>; its own Redis is never reached.</summary>
    private static LostRecordStorage Failing(Exception failure) => new(new FailingStorage(failure), new RedisStorageConnection(ConfigurationOptions.Parse("127.0.0.1:1")),
        Microsoft.Extensions.Options.Options.Create(new ClusterOptions { ServiceId = "lost-record-storage-tests" }), new HashSet<GrainType>(), new StorageCalls(), NullLogger<LostRecordStorage>.Instance);

    private sealed class FailingStorage(Exception failure) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.FromException(failure);
    }
}
