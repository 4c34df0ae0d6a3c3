using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Testing;

/// <summary>Linked into every test and benchmark project that starts servers on 127.0.0.1.</summary>
internal static class LoopbackPort
{
    /// <summary>A loopback port free right now: the OS picks it, the listener lets it go for the server to take.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
