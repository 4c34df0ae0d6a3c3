using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Grains.Hosting;

/// <summary>
/// Orleans listens with address reuse, which on Linux lets a second silo bind a port another silo listens on: the
/// newcomer then takes the other's place, and the cluster declares the healthy silo dead. A port already taken stops
/// the newcomer instead, as an HTTP port in use does.
/// </summary>
public static class ListeningPorts
{
    private const int SolSocket = 1;
    private const int SoReuseAddr = 2;

    /// <exception cref="ValidationException">A port is in use; the message names its setting and says another silo may hold it.</exception>
    /// <remarks>
    /// On Linux only, where the takeover happens and where the probe can be made with the options it needs; a silo
    /// started at the same moment as another on the same port can still pass it (Orleans binds seconds later).
    /// </remarks>
    public static void EnsureFree(IPAddress address, params (string Setting, int Port)[] ports) => EnsureFree(address, null, ports);

    /// <summary>As <see cref="EnsureFree(IPAddress, ValueTuple{string, int}[])"/>, the message saying <paramref name="hint"/> of who may hold a port.</summary>
    public static void EnsureFree(IPAddress address, string? hint, params (string Setting, int Port)[] ports)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        foreach (var (setting, port) in ports)
        {
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            // SO_REUSEADDR alone (.NET's ReuseAddress also sets SO_REUSEPORT, which would share the port): a port
            // whose last connections linger in TIME_WAIT binds, one another socket listens on does not.
            probe.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            try
            {
                probe.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                throw new ValidationException($"{setting} {port} is in use on {address} ({hint ?? "another silo there? each silo of a machine needs ports of its own"}).");
            }
        }
    }
}
