using System.Net.Sockets;

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
            var refused = await RawConnections.HoldUntilRefusedAsync(host.Port, MaxConnections + 1, held);
            Assert.NotNull(refused);
            refused.Dispose();
            Assert.NotEmpty(held);

            held[0].Dispose();
            held.RemoveAt(0);
            held.Add(await RawConnections.ServedEventuallyAsync(host.Port));
        }
        finally
        {
            held.ForEach(connection => connection.Dispose());
        }
    }

    public sealed class Host : SiloHostFixture
    {
        protected override IEnumerable<string> Arguments => [$"--Limits:MaxConnections={MaxConnections}"];
    }
}
