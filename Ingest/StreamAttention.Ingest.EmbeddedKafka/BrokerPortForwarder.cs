using System.Net;
using System.Net.Sockets;

namespace StreamAttention.Ingest.EmbeddedKafka;

/// <summary>
/// Listens on a port of 127.0.0.1 that the caller chose and relays each connection to a mock broker's own port: the
/// mock cluster always listens on ports it picks itself, and can only be told which address to advertise.
/// </summary>
internal sealed class BrokerPortForwarder : IDisposable
{
    private readonly TcpListener _listener;
    private readonly int _brokerPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;
    private int _disposed;

    private static readonly TimeSpan AcceptRetryDelay = TimeSpan.FromMilliseconds(100);

    /// <exception cref="SocketException"><paramref name="port"/> cannot be listened on (in use: <see cref="SocketError.AddressAlreadyInUse"/>).</exception>
    public BrokerPortForwarder(int port, int brokerPort)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _brokerPort = brokerPort;
        _accepting = AcceptAsync();
    }

    private async Task AcceptAsync()
    {
        var relays = new List<Task>();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var client = await _listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
                relays.RemoveAll(relay => relay.IsCompleted);
                relays.Add(RelayAsync(client));
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException && _stopping.IsCancellationRequested)
            {
                // Stopped.
            }
            catch (SocketException)
            {
                // Not a stop (a client gone before it was accepted, the process out of file descriptors): the port keeps
                // being served, after a pause so that a lasting failure does not spin.
                await Task.Delay(AcceptRetryDelay, _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        await Task.WhenAll(relays).ConfigureAwait(false);
    }

    /// <summary>Either side closing (the client, or the broker: set down, or the cluster stopped) closes both, as one direct connection would.</summary>
    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var broker = new TcpClient())
        {
            try
            {
                await broker.ConnectAsync(IPAddress.Loopback, _brokerPort, _stopping.Token).ConfigureAwait(false);
                client.NoDelay = broker.NoDelay = true;
                var toBroker = client.GetStream().CopyToAsync(broker.GetStream(), _stopping.Token);
                var toClient = broker.GetStream().CopyToAsync(client.GetStream(), _stopping.Token);
                await Task.WhenAny(toBroker, toClient).ConfigureAwait(false);
                client.Close();
                broker.Close();
                await Task.WhenAll(toBroker, toClient).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
            {
                // The broker refused the connection (set down) or the forwarder stopped: the client's connection closes.
            }
        }
    }

    /// <summary>Stops listening and closes the connections it relays; again, nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        _stopping.Cancel();
        _listener.Stop();
        _accepting.GetAwaiter().GetResult();
        _stopping.Dispose();
    }
}
