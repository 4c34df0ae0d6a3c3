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
    /// <summary>128 + the signal's number, as a shell reports a command a signal ended.</summary>
    private const int SigIntExitCode = 130;
    private const int SigTermExitCode = 143;

    private readonly CancellationTokenSource _cancellation;
    private readonly PosixSignalRegistration[] _registrations;
    private int _exitCode;

    public CommandInterruption(CancellationToken cancellationToken)
    {
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt)];
    }

    /// <summary>Cancelled by the first signal (or by the token it was made with).</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The exit code of the signal that interrupted the command (130 for SIGINT, 143 for SIGTERM); null before one came.</summary>
    public int? ExitCode => Volatile.Read(ref _exitCode) is var exitCode and not 0 ? exitCode : null;

    private void Interrupt(PosixSignalContext context)
    {
        // Only the first: a second signal keeps its default, ending the process.
        context.Cancel = Interlocked.CompareExchange(ref _exitCode, context.Signal == PosixSignal.SIGINT ? SigIntExitCode : SigTermExitCode, 0) == 0;
        if (context.Cancel)
        {
            _cancellation.Cancel();
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
        _cancellation.Dispose();
    }
}
