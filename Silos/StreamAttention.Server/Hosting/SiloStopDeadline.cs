using Microsoft.Extensions.Options;
using StreamAttention.Ingest.Options;

namespace StreamAttention.Server.Hosting;

/// <summary>
/// Holds a silo's stop to its shutdown timeout (<c>Cluster:ShutdownTimeout</c>, plus <c>Ingest:DrainTimeout</c> where the
/// silo runs the ingest, which drains first). Orleans does not: leaving the
/// cluster, it retries each status it writes to the membership table (shutting down, stopping, dead) for up to a
/// minute, so a silo whose table is gone (its Redis flushed or restarted empty) took about two minutes to stop on
/// SIGTERM, serving nothing meanwhile. Past the timeout the process exits with one line saying what it could not do,
/// and what the stop was still waiting for (<see cref="SiloStopProgress"/>).
/// Added by the <c>silo</c> and <c>local</c> commands, which own their process: a host in another program (a test) is not
/// ended by it.
/// </summary>
public sealed partial class SiloStopDeadline(
    IHostApplicationLifetime lifetime, IOptions<HostOptions> host, IOptions<KafkaIngestOptions> ingest, ILocalSiloDetails silo, IMembershipTable membership,
    ILogger<SiloStopDeadline> logger)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>The exit code of a stop that overran its timeout: the silo did not leave its cluster cleanly.</summary>
    public const int OverranExitCode = 3;

    /// <summary>How long the closing line waits for the membership table to say what it lists.</summary>
    private static readonly TimeSpan MembershipReadTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Whether a stop from now on is held to the timeout.</summary>
    public bool Armed { get; private set; }

    /// <summary>What the stop waits for, followed from the stop on: the line past the timeout names it.</summary>
    private readonly SiloStopProgress _progress = new(silo.SiloAddress);

    /// <summary>
    /// Armed before any hosted service starts (the host calls every lifecycle service's <c>StartingAsync</c> first): a stop
    /// while the silo joins its cluster, whose start is not cancelled, is held to the timeout too.
    /// </summary>
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() =>
        {
            _progress.Follow();
            _ = ExitPastDeadlineAsync();
        });
        Armed = true;
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ExitPastDeadlineAsync()
    {
        var timeout = host.Value.ShutdownTimeout;
        // The table is read only when the stop overran: until then the stop's own writes have it.
        await Task.Delay(timeout > MembershipReadTimeout ? timeout - MembershipReadTimeout : TimeSpan.Zero);
        if (lifetime.ApplicationStopped.IsCancellationRequested)
        {
            return;
        }
        var unfinished = await UnfinishedAsync();
        if (lifetime.ApplicationStopped.IsCancellationRequested)
        {
            return;
        }
        LogOverran(silo.SiloAddress, timeout, TimeoutSettings(timeout), unfinished, _progress.Describe());
        Environment.Exit(OverranExitCode);
    }

    /// <summary>The settings the timeout is made of, so the line says which to raise.</summary>
    private string TimeoutSettings(TimeSpan timeout)
        => ingest.Value.Enabled
            ? $"Cluster:ShutdownTimeout {timeout - ingest.Value.DrainTimeout:c} plus Ingest:DrainTimeout {ingest.Value.DrainTimeout:c}, as the ingest drains first"
            : "Cluster:ShutdownTimeout";

    /// <summary>What the stop has not done, as the membership table tells it.</summary>
    private async Task<string> UnfinishedAsync()
    {
        using var cancellation = new CancellationTokenSource(MembershipReadTimeout);
        try
        {
            return await MembershipRow.ListedStatusAsync(membership, silo.SiloAddress, cancellation.Token) switch
            {
                null => "its row in the cluster's membership table is gone (the table was lost, e.g. its Redis flushed or restarted empty), so it could not "
                    + "write its leaving there; the other silos, if any, declare it dead by their probes",
                { } listed => $"the cluster's membership table still lists it as {listed}: Orleans had not finished deactivating its grains and leaving the cluster",
            };
        }
        catch (Exception e)
        {
            return $"the cluster's membership table could not be read ({e.Message}), so it could not write its leaving there; "
                + "the other silos, if any, declare it dead by their probes";
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Silo {Silo} did not stop within its shutdown timeout ({Timeout}: {Settings}) and exits: {Unfinished}; {Waiting}")]
    private partial void LogOverran(SiloAddress silo, TimeSpan timeout, string settings, string unfinished, string waiting);

    public void Dispose() => _progress.Dispose();
}
