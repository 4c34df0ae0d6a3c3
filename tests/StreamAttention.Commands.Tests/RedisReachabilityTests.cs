using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Commands.Tests;

/// <summary>The start's Redis check (<see cref="RedisReachability"/>) with the options a <c>Cluster:Redis</c> string may carry.</summary>
public sealed class RedisReachabilityTests
{
    [Fact]
    public async Task A_redis_that_cannot_be_reached_is_told_so_even_where_the_setting_says_abortConnect_false()
    {
        var check = new RedisReachability($"127.0.0.1:{LoopbackPort.Free()},abortConnect=false,connectTimeout=200");

        // The connect returned unconnected and the check passed: Orleans' clustering then failed on Redis with its stacks.
        await Assert.ThrowsAsync<UnreachableDependencyException>(() => check.StartAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_redis_that_refuses_the_password_is_told_as_a_setting_to_correct_not_as_unreachable()
    {
        using var redis = await RedisServer.StartAsync(password: "the-servers");
        var check = new RedisReachability($"{redis.Configuration},password=another");

        // "could not be reached … is it running there?" and exit code 69, which a restart never cures.
        var refused = await Assert.ThrowsAsync<ValidationException>(() => check.StartAsync(CancellationToken.None));
        Assert.StartsWith($"Cluster:Redis: Redis at {redis.Configuration} refused the credentials (", refused.Message);
        // Told in one line with exit code 2, as any refused setting.
        Assert.Equal(refused.Message, ConfigurationErrors.Describe(refused));
    }

    [Fact]
    public async Task A_stop_while_the_check_connects_closes_its_connection()
    {
        // A server that accepts and never answers: the check's connect waits out connectTimeout (ten minutes here).
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var check = new RedisReachability($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port},connectTimeout=600000");
            using var stop = new CancellationTokenSource();
            var checking = check.StartAsync(stop.Token);
            using var connection = await silent.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));

            stop.Cancel();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => checking);
            // The check returned at the stop but left its connection open, connecting on in the exiting process: the
            // server now reads what it sent, then its end (a wait bounded far below connectTimeout), a close or a reset.
            var received = new byte[4096];
            try
            {
                while (await connection.ReceiveAsync(received).WaitAsync(TimeSpan.FromSeconds(60)) > 0)
                {
                }
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
            }
        }
        finally
        {
            silent.Stop();
        }
    }
}
