using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Silos.MultiProcess.Tests;

internal static class Ports
{
    /// <summary>A loopback port free right now: the OS picks it, the listener lets it go for the child process to take.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
