using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace StreamAttention.Testing;

/// <summary>
/// Debian's redis-server as a child process (not daemonized, so it dies by its PID at disposal) on a free loopback
/// port, with nothing saved to disk: the tests' Redis lives exactly as long as the test.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Executable = "/usr/bin/redis-server";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly ChildProcess _process;
    private readonly Task<string> _stdout;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        // Redis logs to stdout; drained so that a full pipe can never block it.
        _stdout = process.StandardOutput.ReadToEndAsync();
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string the silos take as <c>Cluster:Redis</c>.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The silo settings for clustering through this server.</summary>
    public string[] ClusteringConfiguration => ["--Cluster:Clustering=redis", $"--Cluster:Redis={Configuration}"];

    /// <summary>The silo settings for storing grain state (and reminders) in this server, clustering left as it is.</summary>
    public string[] StorageConfiguration => ["--Cluster:Storage=Redis", $"--Cluster:Redis={Configuration}"];

    /// <param name="password">The password clients must give (requirepass); none by default.</param>
    public static async Task<RedisServer> StartAsync(string? password = null)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: these tests need Debian's redis-server (apt-get install redis-server).");
        }
        var port = LoopbackPort.Free();
        string[] arguments = ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", port.ToString(), "--daemonize", "no", "--loglevel", "warning"];
        var server = new RedisServer(ChildProcess.Start(Executable, password is null ? arguments : [.. arguments, "--requirepass", password]), port);
        try
        {
            await server.WaitUntilListeningAsync();
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>FLUSHALL: everything the silos stored, their membership table included, is gone as if Redis restarted empty.</summary>
    public async Task FlushAllAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{Configuration},allowAdmin=true");
        await redis.GetServers().Single().FlushAllDatabasesAsync();
    }

    /// <summary>Returns once Redis answers a PING on a connection of its own: it has run every command sent to it before.</summary>
    public async Task PingAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
        await redis.GetDatabase().PingAsync();
    }

    /// <summary>Redis stops answering (SIGSTOP): its clients' calls time out, as with a Redis stuck or cut off, until <see cref="Resume"/>.</summary>
    public void Pause() => _process.Stop();

    public void Resume() => _process.Continue();

    public void Dispose() => _process.Dispose();

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
            catch (SocketException e)
            {
                // Killed, not disposed: its output ends with it, and StartAsync disposes it.
                _process.Kill();
                throw new TimeoutException($"redis-server did not listen on port {Port} within {StartTimeout.TotalSeconds} s ({e.Message}); "
                    + $"its output: {await _stdout} {await _process.StandardErrorAsync()}");
            }
        }
    }
}
