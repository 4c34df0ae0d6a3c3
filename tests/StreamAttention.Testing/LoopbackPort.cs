using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Testing;

/// <summary>Ports for the servers that tests and benchmarks start on 127.0.0.1.</summary>
public static class LoopbackPort
{
    /// <summary>A loopback port free right now: the OS picks it, the listener lets it go for the server to take.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
