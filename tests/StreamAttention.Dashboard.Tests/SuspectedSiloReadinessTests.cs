using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;

namespace StreamAttention.Dashboard.Tests;

/// <summary>
/// A silo that others suspect (they missed its probes and voted in its row of the membership table) is named by
/// readiness, degraded: until it is declared dead, calls to its grains hang, and nothing else said which silo it was.
/// </summary>
public sealed class SuspectedSiloReadinessTests(SuspectedSiloReadinessTests.Host host) : IClassFixture<SuspectedSiloReadinessTests.Host>
{
    [Fact]
    public async Task A_silo_with_a_suspicion_vote_is_named_with_the_votes_time_and_voter_and_readiness_is_degraded()
    {
        var membership = host.Services.GetRequiredService<IMembershipTable>();
        var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var voter = SiloAddress.New(IPAddress.Loopback, 1, 1);
        var votedAt = new DateTime(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        // The vote another silo writes after missing NumMissedProbesLimit probes of this one (its own row: a silo
        // never declares itself dead, so the vote stays until it expires).
        var table = await membership.ReadAllAsync(CancellationToken.None);
        var (row, etag) = table.Members.Single(m => m.Item1.SiloAddress.Equals(silo));
        row.SuspectTimes = [Tuple.Create(voter, votedAt)];
        Assert.True(await membership.UpdateRowAsync(row, etag, table.Version.Next(), CancellationToken.None));

        using var ready = await host.Http.GetAsync("/health/ready");

        // Degraded: the silo itself still serves every call that does not reach the suspected one.
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var check = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["silo"]!;
        Assert.Equal("Degraded", (string?)check["status"]);
        Assert.Contains("suspected by others since", (string?)check["description"]);
        var suspected = Assert.Single(check["data"]!["suspected"]!.AsArray())!;
        Assert.Equal(silo.ToString(), (string?)suspected["silo"]);
        Assert.Equal(votedAt, (DateTime)suspected["since"]!);
        Assert.Equal([voter.ToString()], suspected["suspectedBy"]!.AsArray().Select(v => (string?)v));
    }

    public sealed class Host : RedisSiloHostFixture;
}
