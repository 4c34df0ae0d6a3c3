using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StreamAttention.Server.Security;

namespace StreamAttention.Dashboard.Tests;

[Collection(DashboardCollection.Name)]
public sealed class HealthTests(SiloHostFixture host)
{
    [Fact]
    public async Task Live_reports_the_process_up()
    {
        using var response = await host.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Healthy", (string?)report!["status"]);
    }

    [Fact]
    public async Task Ready_reports_the_model_the_silo_and_the_live_feed()
    {
        using var response = await host.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var checks = (await response.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!;
        Assert.Equal(["live-feed", "model", "silo"], checks.AsObject().Select(c => c.Key).Order());
        Assert.All(checks.AsObject(), check => Assert.Equal("Healthy", (string?)check.Value!["status"]));
        Assert.Equal("glove-6b-100d", (string?)checks["model"]!["data"]!["model"]);
        Assert.Equal("CPU", (string?)checks["model"]!["data"]!["executionProvider"]);
        Assert.Equal("Active", (string?)checks["silo"]!["data"]!["status"]);
        Assert.Equal("Active", (string?)checks["silo"]!["data"]!["listed"]);
    }

    [Fact]
    public async Task Ready_shows_its_checks_data_to_an_operator_only()
    {
        using var anonymous = host.CreateClient(null);
        using var user = host.CreateClient(TestAuth.Token(Roles.User, "acme", "bob"));

        foreach (var caller in new[] { anonymous, user })
        {
            using var response = await caller.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var checks = (await response.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!.AsObject();
            Assert.Equal(["live-feed", "model", "silo"], checks.Select(c => c.Key).Order());
            // The probes' answer stays, the addresses and versions behind it do not.
            Assert.All(checks, check => Assert.Equal(("Healthy", null), ((string?)check.Value!["status"], check.Value["data"])));
        }
    }
}

/// <summary>A readiness check added the way the ingest adds its Kafka check, failing: ready says so, live does not care.</summary>
public sealed class AddedReadinessCheckTests(AddedReadinessCheckTests.Host host) : IClassFixture<AddedReadinessCheckTests.Host>
{
    [Fact]
    public async Task A_failing_added_check_makes_the_silo_not_ready_but_still_live()
    {
        using var ready = await host.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var report = (await ready.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Unhealthy", (string?)report["status"]);
        Assert.Equal("Unhealthy", (string?)report["checks"]!["kafka"]!["status"]);
        Assert.Equal(UnreachableKafka.Description, (string?)report["checks"]!["kafka"]!["description"]);

        using var live = await host.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    public sealed class Host : SiloHostFixture
    {
        protected override bool WaitUntilReady => false;

        protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddReadinessCheck<UnreachableKafka>("kafka");
    }

    private sealed class UnreachableKafka : IHealthCheck
    {
        public const string Description = "no broker reachable";

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(HealthCheckResult.Unhealthy(Description));
    }
}
