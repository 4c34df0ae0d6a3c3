using System.Net.Sockets;
using System.Text;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// Kestrel's bound on the connections it holds (Limits:MaxConnections), set low: a connection within it is served, one
/// past it is closed unanswered, and a connection that closes frees its place.
/// </summary>
public sealed class ConnectionLimitTests(ConnectionLimitTests.Host host) : IClassFixture<ConnectionLimitTests.Host>
{
    private const int MaxConnections = 3;

    [Fact]
    public async Task A_connection_past_the_limit_is_closed_unanswered_and_one_closed_frees_its_place()
    {
        var held = new List<TcpClient>();
        try
        {
            // Kept open once answered; the host's own client may hold some of the places already.
            TcpClient? refused = null;
            for (var attempt = 0; attempt <= MaxConnections && refused is null; attempt++)
            {
                var connection = await ConnectAsync();
                if (await IsServedAsync(connection))
                {
                    held.Add(connection);
                }
                else
                {
                    refused = connection;
                }
            }
            Assert.NotNull(refused);
            refused.Dispose();
            Assert.NotEmpty(held);

            held[0].Dispose();
            held.RemoveAt(0);
            // Kestrel frees the place once it has read the close: a new connection is served then.
            held.Add(await Eventually.SucceedsAsync(async () =>
            {
                var connection = await ConnectAsync();
                if (await IsServedAsync(connection))
                {
                    return connection;
                }
                connection.Dispose();
                throw new InvalidOperationException("The connection was refused.");
            }));
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
    }

    private async Task<TcpClient> ConnectAsync()
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.Port);
        return client;
    }

    /// <summary>Whether a request on <paramref name="connection"/> (HTTP/1.1: the connection stays open after it) is answered.</summary>
    private static async Task<bool> IsServedAsync(TcpClient connection)
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

    public sealed class Host : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => [$"--Limits:MaxConnections={MaxConnections}"];
    }
}
