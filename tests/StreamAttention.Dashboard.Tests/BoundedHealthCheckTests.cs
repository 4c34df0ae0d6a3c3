using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace StreamAttention.Dashboard.Tests;

public sealed class BoundedHealthCheckTests
{
    /// <summary>
    /// A check that blocks its caller before it returns its task, as Kafka's synchronous metadata request does for its
    /// own 3 s: bounded all the same, its probe answered once the bound passes, while the check still blocks.
    /// </summary>
    [Fact]
    public async Task A_check_that_blocks_its_caller_is_bounded_too()
    {
        using var release = new ManualResetEventSlim();
        var time = new FakeTimeProvider();
        var registration = new HealthCheckRegistration("kafka", new BlockingCheck(release), HealthStatus.Degraded, tags: null);

        var checking = new BoundedHealthCheck(registration.Factory(null!), TimeSpan.FromSeconds(2.5), time)
            .CheckHealthAsync(new HealthCheckContext { Registration = registration });
        time.Advance(TimeSpan.FromSeconds(2.5));
        var result = await checking;
        release.Set();

        Assert.Equal((HealthStatus.Degraded, "The check 'kafka' did not answer in 2.5 s"), (result.Status, result.Description));
    }

    /// <summary>A timeout the check itself reports is its own failure, not the bound's.</summary>
    [Fact]
    public async Task A_timeout_the_check_throws_is_not_taken_for_the_bound()
    {
        var registration = new HealthCheckRegistration("storage", new ThrowingCheck(), HealthStatus.Unhealthy, tags: null);

        var check = new BoundedHealthCheck(registration.Factory(null!), TimeSpan.FromSeconds(2.5), new FakeTimeProvider());

        await Assert.ThrowsAsync<TimeoutException>(() => check.CheckHealthAsync(new HealthCheckContext { Registration = registration }));
    }

    /// <summary>Healthy once released; waits at most a minute, so that a failing test ends.</summary>
    private sealed class BlockingCheck(ManualResetEventSlim release) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            release.Wait(TimeSpan.FromMinutes(1), cancellationToken);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
    }

    private sealed class ThrowingCheck : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new TimeoutException("the check's own");
        }
    }
}
