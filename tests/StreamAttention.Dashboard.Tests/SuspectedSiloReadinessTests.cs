using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StreamAttention.Server.Diagnostics;

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

    /// <summary>
    /// The probes are anonymous: the membership table's read error, which names Redis's address (and this host's), is in
    /// the report's data, which only an operator sees, not in the check's description, which everyone does.
    /// </summary>
    [Fact]
    public async Task An_anonymous_probe_of_a_silo_whose_membership_table_does_not_answer_is_not_told_the_storages_address()
    {
        using var anonymous = new HttpClient { BaseAddress = host.BaseAddress };
        host.Redis.Pause();
        try
        {
            var check = await PollUntilDegradedAsync(anonymous);
            Assert.Equal("The silo is active; the cluster's membership table could not be read (data.error says why)", (string?)check["description"]);
            Assert.Null(check["data"]);
            var operatorView = await PollUntilDegradedAsync(host.Http);
            // A Redis that stopped answering: the check gives up on its read before StackExchange.Redis does (5 s).
            Assert.Equal($"The membership table did not answer in {SiloReadinessCheck.MembershipReadTimeout.TotalSeconds} s", (string?)operatorView["data"]!["error"]);
        }
        finally
        {
            host.Redis.Resume();
        }
    }

    /// <summary>The silo check once it is degraded; each read waits for the table's read to time out (the check's own 2 s bound on it).</summary>
    private static async Task<JsonNode> PollUntilDegradedAsync(HttpClient http)
    {
        for (var poll = 0; ; poll++)
        {
            using var ready = await http.GetAsync("/health/ready");
            var check = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["silo"]!;
            if ((string?)check["status"] == "Degraded" || poll == 20)
            {
                Assert.Equal("Degraded", (string?)check["status"]);
                return check;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    public sealed class Host : RedisSiloHostFixture;
}
