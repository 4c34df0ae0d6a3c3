using System.Net.Sockets;
using System.Text;

namespace StreamAttention.Dashboard.Tests;

/// <summary>Plain TCP connections to a host from 127.0.0.1, kept open as a client holding a place would keep them.</summary>
internal static class RawConnections
{
    public static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return client;
    }

    /// <summary>Whether a request on <paramref name="connection"/> (HTTP/1.1: the connection stays open after it) is answered.</summary>
    public static async Task<bool> IsServedAsync(TcpClient connection)
    {
        // Only a guard against a hang: an answer or a close comes at once.
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var stream = connection.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), guard.Token);
            var answer = new byte[256];
            var read = await stream.ReadAsync(answer, guard.Token);
            return read > 0 && Encoding.ASCII.GetString(answer, 0, read).StartsWith("HTTP/1.1 200", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            // Reset by the server: it closed the connection before reading the request.
            return false;
        }
    }

    /// <summary>
    /// Opens connections and keeps each one served in <paramref name="held"/> until one is refused, at most
    /// <paramref name="attempts"/>; the refused one, if any. The host's own client may hold some of the places already.
    /// </summary>
    public static async Task<TcpClient?> HoldUntilRefusedAsync(int port, int attempts, List<TcpClient> held)
    {
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var connection = await ConnectAsync(port);
            if (!await IsServedAsync(connection))
            {
                return connection;
            }
            held.Add(connection);
        }
        return null;
    }

    /// <summary>A new connection that is served, once a place freed by a closed one is free again (Kestrel frees it once it has read the close).</summary>
    public static Task<TcpClient> ServedEventuallyAsync(int port) => Eventually.SucceedsAsync(async () =>
    {
        var connection = await ConnectAsync(port);
        if (await IsServedAsync(connection))
        {
            return connection;
        }
        connection.Dispose();
        throw new InvalidOperationException("The connection was refused.");
    });
}
