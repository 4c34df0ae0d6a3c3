using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace StreamAttention.Grains.Storage;

/// <summary>
/// The keys of the users without a tenant whose records the storage <see cref="StorageNames.Interests"/> holds: read once
/// by the grain that counts those users, to count the ones a build before cluster contract 13 stored and no grain counted.
/// </summary>
public interface IStoredUserKeys
{
    IAsyncEnumerable<string> WithoutTenantAsync();
}

/// <summary>
/// Memory storage: it starts empty with its silos, so every record in it was written by this build, which counts it.
/// </summary>
internal sealed class MemoryStoredUserKeys : IStoredUserKeys
{
    public IAsyncEnumerable<string> WithoutTenantAsync() => AsyncEnumerable.Empty<string>();
}

/// <summary>
/// Redis storage: the user records' keys (<c>{ServiceId}/state/user/{key}/user</c>, as Orleans' Redis storage names a
/// grain's state) scanned on every primary, keeping the keys that hold no '/' (a tenant's user's is "tenant/user").
/// </summary>
internal sealed class RedisStoredUserKeys(RedisStorageConnection connection, IOptions<ClusterOptions> cluster) : IStoredUserKeys
{
    /// <summary>Keys asked of Redis per SCAN call: it blocks Redis for the call, not for the scan.</summary>
    private const int ScanPage = 1000;

    public async IAsyncEnumerable<string> WithoutTenantAsync()
    {
        var (prefix, suffix) = ($"{cluster.Value.ServiceId}/state/user/", "/user");
        var (multiplexer, _) = await connection.SharedAsync();
        var database = (await connection.DatabaseAsync()).Database;
        foreach (var server in multiplexer.GetServers().Where(server => !server.IsReplica))
        {
            await foreach (var key in server.KeysAsync(database, $"{GlobEscaped(prefix)}*{suffix}", ScanPage))
            {
                var user = ((string)key!)[prefix.Length..^suffix.Length];
                if (!user.Contains('/'))
                {
                    yield return user;
                }
            }
        }
    }

    /// <summary>The service id taken literally in a SCAN pattern.</summary>
    private static string GlobEscaped(string text) => string.Concat(text.Select(c => c is '*' or '?' or '[' or ']' or '\\' ? $"\\{c}" : c.ToString()));
}
