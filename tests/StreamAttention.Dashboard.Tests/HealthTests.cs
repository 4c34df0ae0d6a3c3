using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StreamAttention.Server.Diagnostics;
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

/// <summary>
/// A readiness check that awaits a Redis that accepts and never answers (as one stopped with SIGSTOP), with a timeout of
/// its own far longer than a probe's: readiness answers all the same, the check Unhealthy, saying it did not answer.
/// </summary>
public sealed class HangingReadinessCheckTests(HangingReadinessCheckTests.Host host) : IClassFixture<HangingReadinessCheckTests.Host>
{
    [Fact]
    public async Task A_check_that_does_not_answer_is_reported_unhealthy_within_the_bound()
    {
        using var ready = await host.Http.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var check = (await ready.Content.ReadFromJsonAsync<JsonObject>())!["checks"]!["silent-redis"]!;
        Assert.Equal(("Unhealthy", $"The check 'silent-redis' did not answer in {ServiceDefaultsExtensions.CheckTimeout.TotalSeconds} s"),
            ((string?)check["status"], (string?)check["description"]));
    }

    public sealed class Host : SiloHostFixture
    {
        private readonly TcpListener _silent = new(IPAddress.Loopback, 0);

        protected override bool WaitUntilReady => false;

        protected override void Configure(WebApplicationBuilder builder)
        {
            _silent.Start();
            var silentRedis = $"127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port},connectTimeout=600000";
            // The silo's memory storage has no storage check of its own for it to take the place of.
            builder.Services.AddSingleton(_ => new StorageReadinessCheck(silentRedis, TimeSpan.FromMinutes(10)));
            builder.Services.AddReadinessCheck<StorageReadinessCheck>("silent-redis");
        }

        public override async Task DisposeAsync()
        {
            await base.DisposeAsync();
            _silent.Dispose();
        }
    }
}
