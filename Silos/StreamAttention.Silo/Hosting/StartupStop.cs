using System.CommandLine;
using System.Runtime.InteropServices;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// SIGTERM, Ctrl+C (SIGINT) and SIGQUIT for a long-running command (<c>silo</c>, <c>local</c>, <c>ingest</c>) from its
/// first moments: the host takes these signals only once its start begins, seconds in (settings read, model prepared,
/// host built), and before that the runtime's default ended the process with exit code 143 or 130, where a stop a little
/// later ends it quietly (<see cref="StreamAttention.Server.Hosting.StopDuringStart"/>). Each signal cancels
/// <see cref="Token"/>, which the command takes as its stop, and the first keeps the process alive, as the host's own lifetime does.
/// </summary>
internal sealed class StartupStop : IDisposable
{
    private static readonly string[] LongRunningCommands = ["silo", "local", "ingest"];

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _signalled;

    private StartupStop()
        => _registrations = [.. new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGTERM }.Select(signal => PosixSignalRegistration.Create(signal, Stop))];

    /// <summary>Registered for <paramref name="command"/> when it is a long-running one; null for the others, whose signals keep their own handling.</summary>
    public static StartupStop? For(Command command) => LongRunningCommands.Contains(command.Name) ? new StartupStop() : null;

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    private void Stop(PosixSignalContext context)
    {
        // Only the first: a second signal (an operator pressing Ctrl+C again to force it) keeps its default and ends
        // the process, as CommandInterruption's does; once the host runs, its own lifetime decides for every signal.
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            context.Cancel = true;
            _stop.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _stop.Dispose();
    }
}
