using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using StreamAttention.Contracts.Grains;
using StreamAttention.Grains.Storage;

namespace StreamAttention.Grains.Tests;

/// <summary>
/// Two silos storing the grains' state in one Redis that stops answering (paused): the storage's reads, writes and
/// clears fail with <see cref="StorageUnavailableException"/>, one a caller on another silo can be sent, and a grain
/// whose activation could not read its state fails its caller with it (before, with StackExchange.Redis's timeout,
/// which no codec could send back: a 500 at the API).
/// </summary>
public sealed class RedisOutageClusterTests(RedisLossClusterTests.RedisClusterFixture fixture) : IClassFixture<RedisLossClusterTests.RedisClusterFixture>
{
    [Fact]
    public async Task A_grain_whose_activation_could_not_read_its_state_fails_its_caller_with_the_storage_unavailable()
    {
        // Never active: the call activates it, and the activation's read meets the pause.
        var user = fixture.Grains.GetGrain<IUserGrain>("outage-activation");

        var failure = await WhileRedisIsPausedAsync(user.GetInterests);

        Assert.NotNull(failure);
        Assert.True(ClusterFailures.IsStorageUnavailable(failure), $"the caller got {failure}");
    }

    public static TheoryData<string> Operations => ["read", "write", "clear"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task A_storage_call_Redis_did_not_answer_fails_with_the_storage_unavailable_that_other_silos_can_be_sent(string operation)
    {
        var storage = Storage;
        var grainId = GrainId.Create("user", $"outage-{operation}");
        var state = new GrainState<List<string>> { State = ["stored"] };
        // The change is of a record read before the pause.
        await storage.ReadStateAsync("user", grainId, state);

        var failure = await WhileRedisIsPausedAsync(operation switch
        {
            "read" => () => storage.ReadStateAsync("user", grainId, state),
            "write" => () => storage.WriteStateAsync("user", grainId, state),
            _ => () => storage.ClearStateAsync("user", grainId, state),
        });

        var unavailable = Assert.IsType<StorageUnavailableException>(failure);
        Assert.Contains(grainId.ToString(), unavailable.Message, StringComparison.Ordinal);
        var serializer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<Serializer>();
        var received = Assert.IsType<StorageUnavailableException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(unavailable)));
        Assert.Equal(unavailable.Message, received.Message);
    }

    private IGrainStorage Storage => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Interests);

    /// <summary>
    /// What <paramref name="call"/> throws while Redis is paused. It returns once the silos' connection to Redis reads
    /// again: just after a pause, it may fail a call otherwise than with a timeout, and the next test's would.
    /// </summary>
    private async Task<Exception?> WhileRedisIsPausedAsync(Func<Task> call)
    {
        fixture.Redis.Pause();
        Exception? failure;
        try
        {
            failure = await Record.ExceptionAsync(call);
        }
        finally
        {
            fixture.Redis.Resume();
        }
        await Eventually.SucceedsAsync(() => Storage.ReadStateAsync("user", GrainId.Create("user", "outage-probe"), new GrainState<List<string>>()));
        return failure;
    }
}
