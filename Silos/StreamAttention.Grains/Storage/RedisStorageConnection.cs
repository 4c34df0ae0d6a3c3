using StackExchange.Redis;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The silo's connection to the Redis that holds grain state, opened at the storage's start: Orleans' Redis storage
/// uses it (as a shared multiplexer, which it does not close) and so does <see cref="LostRecordStorage"/>'s epoch, so
/// that an epoch read sent before a record's read reaches Redis before it.
/// </summary>
internal sealed class RedisStorageConnection(ConfigurationOptions configuration) : IAsyncDisposable
{
    private readonly Lazy<Task<IConnectionMultiplexer>> _connection = new(async () => await ConnectionMultiplexer.ConnectAsync(configuration));

    /// <summary>For <c>RedisStorageOptions.CreateMultiplexer</c>: shared, so the storage leaves it open.</summary>
    public async Task<(IConnectionMultiplexer Multiplexer, bool IsShared)> SharedAsync() => (await _connection.Value, true);

    public async Task<IDatabase> DatabaseAsync() => (await _connection.Value).GetDatabase();

    public async ValueTask DisposeAsync()
    {
        if (_connection.IsValueCreated && _connection.Value.IsCompletedSuccessfully)
        {
            await (await _connection.Value).DisposeAsync();
        }
    }
}
