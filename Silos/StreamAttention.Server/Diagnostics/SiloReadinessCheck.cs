using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using StreamAttention.Server.Hosting;

namespace StreamAttention.Server.Diagnostics;

/// <summary>
/// The silo has joined its cluster and is active (not joining, shutting down or declared dead), and the cluster's
/// membership table still lists it so. A table that lost it (Redis restarted empty) leaves the silo running as before,
/// while a silo that starts then forms a cluster of its own beside it: nothing else says so. A table that cannot be
/// read, or not within <see cref="MembershipReadTimeout"/>, is reported degraded, not unready: the silos keep working on
/// the membership they know.
/// An active silo that others suspect (they missed <c>NumMissedProbesLimit</c> probes of it and voted in its row) makes
/// the check degraded, naming it: until it is declared dead, calls to its grains wait for Orleans' response timeout,
/// and this silo still serves every other call.
/// A silo that is stopping writes its row as shutting down while a check may still have read its status as active: that
/// is its leave, not a lost table.
/// </summary>
public sealed partial class SiloReadinessCheck(
    ISiloStatusOracle silo, IMembershipTable membership, IOptionsMonitor<ClusterMembershipOptions> membershipOptions, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<SiloReadinessCheck> logger)
    : IHealthCheck
{
    /// <summary>
    /// How long the membership read may take: within the service defaults' bound on every check
    /// (<see cref="ServiceDefaultsExtensions.CheckTimeout"/>), so that a table on a Redis that stopped answering is
    /// reported as one that cannot be read (Degraded), not as a check that did not answer (Unhealthy).
    /// </summary>
    public static readonly TimeSpan MembershipReadTimeout = TimeSpan.FromSeconds(2);

    private int _lossLogged;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = silo.CurrentStatus;
        var data = new Dictionary<string, object> { ["status"] = status.ToString(), ["silo"] = silo.SiloAddress.ToString() };
        if (status != SiloStatus.Active)
        {
            return HealthCheckResult.Unhealthy($"The silo is {status}", data: data);
        }
        IReadOnlyList<MembershipEntry> rows;
        var reading = MembershipRow.ReadAllAsync(membership, cancellationToken);
        try
        {
            rows = await reading.WaitAsync(MembershipReadTimeout, clock, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The error names the storage's address and this host's name: in the data, which only an operator reads.
            data["error"] = reading.IsCompleted ? e.Message : $"The membership table did not answer in {MembershipReadTimeout.TotalSeconds:0} s";
            return HealthCheckResult.Degraded("The silo is active; the cluster's membership table could not be read (data.error says why)", e, data);
        }
        data["listed"] = MembershipRow.ListedStatus(rows, silo.SiloAddress)?.ToString() ?? MembershipRow.Absent;
        if ((string)data["listed"] != nameof(SiloStatus.Active) && lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The silo's leave was written to the table after the check read its status as active: such a check logged a
            // graceful stop (a rolling upgrade, a scale-in) as a lost table, with "Restart the silos".
            return HealthCheckResult.Unhealthy($"The silo is stopping: the cluster's membership table lists it as {data["listed"]}", data: data);
        }
        if ((string)data["listed"] != nameof(SiloStatus.Active))
        {
            var description = $"The silo is active but the cluster's membership table lists it as {data["listed"]}: the table was lost (e.g. its Redis "
                + "restarted empty) or the cluster declared the silo dead, and silos that start now form another cluster. Restart the silos.";
            if (Interlocked.Exchange(ref _lossLogged, 1) == 0)
            {
                LogMembershipLost(description);
            }
            return HealthCheckResult.Unhealthy(description, data: data);
        }
        var suspected = Suspected(rows);
        if (suspected.Length == 0)
        {
            return HealthCheckResult.Healthy("The silo is active in its cluster", data);
        }
        data["suspected"] = suspected;
        // The addresses go in the data, which only an operator reads (the probes are anonymous).
        return HealthCheckResult.Degraded($"{suspected.Length} silo(s) suspected by others since {suspected[0].Since:O} (they missed its probes; "
            + "data.suspected names them): calls to their grains wait until they answer again or the cluster declares them dead (Cluster:Membership:*)", data: data);
    }

    /// <summary>Active silos with votes not yet expired (Orleans forgets a vote after <c>DeathVoteExpirationTimeout</c>), the earliest vote first.</summary>
    private SuspectedSilo[] Suspected(IEnumerable<MembershipEntry> rows)
    {
        var oldestFresh = clock.GetUtcNow().UtcDateTime - membershipOptions.CurrentValue.DeathVoteExpirationTimeout;
        return rows
            .Where(row => row.Status == SiloStatus.Active)
            .Select(row => (row.SiloAddress, Votes: (row.SuspectTimes ?? []).Where(vote => vote.Item2 >= oldestFresh).ToArray()))
            .Where(row => row.Votes.Length > 0)
            .Select(row => new SuspectedSilo(row.SiloAddress.ToString(), row.Votes.Min(vote => vote.Item2), [.. row.Votes.Select(vote => vote.Item1.ToString())]))
            .OrderBy(s => s.Since)
            .ToArray();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Description}")]
    private partial void LogMembershipLost(string description);

    /// <summary>A silo others voted against: since its earliest fresh vote, by whom.</summary>
    public sealed record SuspectedSilo(string Silo, DateTime Since, string[] SuspectedBy);
}
