using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using StreamAttention.Contracts.Diagnostics;
using StreamAttention.Server.Options;

namespace StreamAttention.Server.Security;

/// <summary>
/// Kestrel connection middleware (on every endpoint) that holds each client address to
/// <see cref="LimitsOptions.MaxConnectionsPerAddress"/> open connections (<see cref="ConnectionsPerAddress"/>), so one
/// client cannot take every place of <see cref="LimitsOptions.MaxConnections"/> with idle kept-alive connections. It
/// counts the TCP peer, never a forwarded header: the peer is what holds the place. A connection past the limit is
/// closed before a byte is read, counted (<c>streamattention.http.refused_connections</c>) and logged at most once per
/// <see cref="ConnectionsPerAddress.RefusalLogInterval"/> per address.
/// </summary>
public sealed partial class PerAddressConnectionLimit
{
    private readonly ConnectionsPerAddress _connections;
    private readonly ILogger<PerAddressConnectionLimit> _logger;
    private readonly Counter<long> _refused;

    public PerAddressConnectionLimit(IOptions<LimitsOptions> limits, IMeterFactory meters, IHostApplicationLifetime lifetime, ILogger<PerAddressConnectionLimit> logger)
    {
        _connections = new ConnectionsPerAddress(limits.Value.MaxConnectionsPerAddress, TimeProvider.System);
        _refused = meters.Create(InstrumentNames.Meter).CreateCounter<long>(InstrumentNames.HttpRefusedConnections, "{connection}",
            "Connections closed unanswered because their client address held Limits:MaxConnectionsPerAddress open connections");
        // Kestrel makes this before the meter provider listens, so a 0 added now would be lost, and an alert on the
        // increase would miss the first refusals: added once the host has started. (Not an observable counter: where
        // hosts share a process, as in tests, one host's observation would overwrite another's under the same name.)
        lifetime.ApplicationStarted.Register(() => _refused.Add(0));
        _logger = logger;
    }

    public ConnectionDelegate Use(ConnectionDelegate next) => async connection =>
    {
        // A Unix socket's peer has no address: nothing to count it under.
        if (connection.RemoteEndPoint is not IPEndPoint peer)
        {
            await next(connection);
            return;
        }
        var admission = _connections.Open(peer.Address);
        if (!admission.Admitted)
        {
            _refused.Add(1);
            if (admission.LogRefusal)
            {
                LogRefused(admission.Group, _connections.Limit, ConnectionsPerAddress.RefusalLogInterval);
            }
            // Returning closes the connection at once.
            return;
        }
        try
        {
            await next(connection);
        }
        finally
        {
            _connections.Close(admission.Group);
        }
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a connection from {Address}: it holds {Limit} open connections, the most one address may " +
        "(Limits:MaxConnectionsPerAddress). Its further refusals are logged at most once every {Interval}; streamattention.http.refused_connections counts each.")]
    private partial void LogRefused(string address, int limit, TimeSpan interval);
}
