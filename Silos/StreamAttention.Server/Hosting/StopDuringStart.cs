namespace StreamAttention.Server.Hosting;

/// <summary>
/// A stop (SIGTERM, Ctrl+C) that comes while a long-running command's host is still starting, as Kubernetes stops a
/// pod that is still starting. The host's start then throws the cancellation and logs "Hosting failed to start" with
/// its stack, as for a failure, and the command ended with exit code 1; this tells the one from the other, so that
/// such a stop ends the command as a stop after its start does: what had started stopped, one line saying so, exit
/// code 0. A start that fails for any other reason fails as before.
/// </summary>
public static partial class StopDuringStart
{
    /// <summary>The exit code of a stopped command, whether it stopped during or after its start.</summary>
    public const int ExitCode = 0;

    /// <summary>What a stop during start-up says, in the host's log or, before there is a host, on stderr.</summary>
    public const string Message = "Stopped during start-up: a stop (SIGTERM or Ctrl+C) came before the start finished; what had started is stopped";

    /// <summary>Runs the host until it is stopped, as <c>RunAsync</c> does, a stop during its start included.</summary>
    public static async Task<int> RunAsync(IHost host, CancellationToken cancellationToken)
    {
        if (await StartAsync(host, cancellationToken))
        {
            await host.WaitForShutdownAsync(cancellationToken);
        }
        return ExitCode;
    }

    /// <summary>Starts the host; false, once the services started so far are stopped, when a stop came during the start.</summary>
    public static async Task<bool> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            // The command's token is cancelled by a stop that came before the host took the signals itself (or while it
            // was being built): the host stops as on its own signal, so the start's cancellation is told apart as one.
            await using (cancellationToken.Register(host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication))
            {
                await host.StartAsync(cancellationToken);
            }
            return true;
        }
        catch (Exception e) when (Is(e, host.Services))
        {
            LogStopped(host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StopDuringStart).FullName!));
            await host.StopAsync(CancellationToken.None);
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/>, thrown by the start of the host whose services are <paramref name="services"/>,
    /// is the cancellation a stop requested: the host's start cancels on its application's stopping.
    /// </summary>
    public static bool Is(Exception? error, IServiceProvider services)
        => error is OperationCanceledException && services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested;

    [LoggerMessage(Level = LogLevel.Information, Message = Message)]
    private static partial void LogStopped(ILogger logger);
}
