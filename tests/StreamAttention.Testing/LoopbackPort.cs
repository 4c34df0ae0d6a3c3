using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Testing;

/// <summary>Ports for the servers that tests and benchmarks start on 127.0.0.1.</summary>
public static class LoopbackPort
{
    private const int LowestPort = 20_000;

    /// <summary>Where Linux does not say, the IANA's dynamic range.</summary>
    private const int DefaultEphemeralStart = 49_152;

    private const int Attempts = 1_000;

    /// <summary>
    /// Below the OS's ephemeral range, which outgoing connections draw from: a port the OS picks there (port 0) can be
    /// taken by any connection between the check and the server's bind, the server's own to Redis included (seen in CI).
    /// </summary>
    private static readonly int EphemeralStart = ReadEphemeralStart();

    /// <summary>Never the same port twice to one process, though its first server may not have bound it yet.</summary>
    private static readonly HashSet<int> Handed = [];

    /// <summary>A loopback port nothing listens on right now, outside the range that outgoing connections take.</summary>
    public static int Free()
    {
        lock (Handed)
        {
            for (var attempt = 0; attempt < Attempts; attempt++)
            {
                var port = Random.Shared.Next(LowestPort, EphemeralStart);
                if (!Handed.Contains(port) && CanListenOn(port))
                {
                    Handed.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"No free loopback port in [{LowestPort}, {EphemeralStart}) after {Attempts} attempts.");
    }

    private static bool CanListenOn(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        try
        {
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>The first port of <c>/proc/sys/net/ipv4/ip_local_port_range</c> ("32768	60999" on Debian).</summary>
    private static int ReadEphemeralStart()
    {
        const string RangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(RangeFile)
            && int.TryParse(File.ReadAllText(RangeFile).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var start)
            && start > LowestPort
            ? start
            : DefaultEphemeralStart;
    }
}
