using System.Net;
using StreamAttention.Grains.Hosting;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Kestrel binds its addresses after the silo has started and joined its cluster: an address another process listens
/// on would stop a silo that had joined, with its shutdown's noise. Checked before the silo starts instead.
/// </summary>
public static class HttpListeningAddresses
{
    /// <param name="urls">Kestrel's <c>urls</c> setting, ';'-separated.</param>
    /// <exception cref="System.ComponentModel.DataAnnotations.ValidationException">An address is in use; the message names it.</exception>
    public static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var address = BindingAddress.Parse(url);
            if (address.IsUnixPipe || address.Port == 0)
            {
                continue;
            }
            // Kestrel listens on loopback for "localhost", on every interface for "*", "+" or a host name.
            var ip = address.Host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(address.Host, out var parsed) ? parsed : IPAddress.Any;
            ListeningPorts.EnsureFree(ip, "another process listens there", ($"--urls {url}: port", address.Port));
        }
    }
}
