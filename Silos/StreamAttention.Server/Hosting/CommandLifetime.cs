namespace StreamAttention.Server.Hosting;

/// <summary>
/// The lifetime of an offline command's host (<c>score</c>, <c>eval</c>): the command starts and disposes it, and
/// ctrl-c and SIGTERM keep their default, ending the process. The default <c>ConsoleLifetime</c> would take both
/// signals to stop the host, which the command's work does not watch, so a command reading a stream could not be stopped.
/// </summary>
internal sealed class CommandLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
