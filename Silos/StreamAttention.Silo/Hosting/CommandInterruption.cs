using System.CommandLine;
using System.Runtime.InteropServices;

namespace StreamAttention.Silo.Hosting;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for a command whose work stops on a token, so that it stops as its own code says (files
/// being written deleted) and tells so: the first signal cancels <see cref="Token"/> and keeps the process alive
/// meanwhile; a second ends it at once, as both did before. System.CommandLine 2.0.0 handles neither signal (its
/// <c>InvocationConfiguration.ProcessTerminationTimeout</c> is null), so the action's own token is never cancelled by them.
/// </summary>
internal sealed class CommandInterruption : IDisposable
{
    /// <summary>The commands that run a host until stopped (<see cref="ForLongRunning"/>).</summary>
    private static readonly string[] LongRunningCommands = ["silo", "local", "ingest"];

    private readonly CancellationTokenSource _cancellation;
    private readonly PosixSignalRegistration[] _registrations;
    private int _exitCode;

    public CommandInterruption(CancellationToken cancellationToken) : this(cancellationToken, PosixSignal.SIGINT, PosixSignal.SIGTERM)
    {
    }

    private CommandInterruption(CancellationToken cancellationToken, params PosixSignal[] signals)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _registrations = [.. signals.Select(signal => PosixSignalRegistration.Create(signal, Interrupt))];
    }

    /// <summary>
    /// For a long-running command (<c>silo</c>, <c>local</c>, <c>ingest</c>), from its first moments, SIGQUIT too (the host
    /// stops on it): the host takes the signals only once its start begins, seconds in (settings read, model prepared,
    /// host built), and before that the runtime's default ended the process with exit code 143 or 130, where a stop a
    /// little later ends it quietly (<see cref="StreamAttention.Server.Hosting.StopDuringStart"/>); the command takes
    /// <see cref="Token"/> as its stop, and once its host runs, the host's own lifetime decides for every signal.
    /// Null for the other commands, whose signals keep their own handling.
    /// </summary>
    public static CommandInterruption? ForLongRunning(Command command)
        => LongRunningCommands.Contains(command.Name) ? new CommandInterruption(CancellationToken.None, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGTERM) : null;

    /// <summary>Cancelled by the first signal (or by the token it was made with).</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The exit code of the signal that interrupted the command (128 + its number: 130 for SIGINT, 143 for SIGTERM); null before one came.</summary>
    public int? ExitCode => Volatile.Read(ref _exitCode) is var exitCode and not 0 ? exitCode : null;

    private void Interrupt(PosixSignalContext context)
    {
        // Only the first: a second signal keeps its default, ending the process.
        context.Cancel = Interlocked.CompareExchange(ref _exitCode, 128 + SignalNumber(context.Signal), 0) == 0;
        if (context.Cancel)
        {
            _cancellation.Cancel();
        }
    }

    private static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        _ => 15,
    };

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _cancellation.Dispose();
    }
}
