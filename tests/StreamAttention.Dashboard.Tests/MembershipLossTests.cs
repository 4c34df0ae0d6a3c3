using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace StreamAttention.Dashboard.Tests;

/// <summary>A silo clustered through Redis whose Redis lost everything (restarted empty): the silo says it is not ready.</summary>
public sealed class MembershipLossTests(MembershipLossTests.Host host) : IClassFixture<MembershipLossTests.Host>
{
    /// <summary>Readiness polls after the flush: the check reads the table on each; the bound only stops a check that never sees the loss.</summary>
    private const int Polls = 120;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task A_silo_its_membership_table_lost_is_not_ready_and_says_why()
    {
        using (var ready = await host.Http.GetAsync("/health/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }
        await host.Redis.FlushAllAsync();

        JsonNode? silo = null;
        for (var poll = 0; poll < Polls && (string?)silo?["status"] != "Unhealthy"; poll++)
        {
            await Task.Delay(PollInterval);
            using var ready = await host.Http.GetAsync("/health/ready");
            silo = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["silo"];
        }

        Assert.Equal("Unhealthy", (string?)silo!["status"]);
        Assert.Equal(("Active", "absent"), ((string?)silo["data"]!["status"], (string?)silo["data"]!["listed"]));
        Assert.Contains("membership table lists it as absent", (string?)silo["description"]);
    }

    public sealed class Host : RedisSiloHostFixture;
}
