using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A health check that answers within <paramref name="timeout"/>: Unhealthy, saying so, when <paramref name="check"/>
/// has not. A check that awaits a call with no timeout of its own (Orleans' membership table on a Redis that stopped
/// answering: StackExchange.Redis gives up after its own 5 s) would otherwise hold the whole probe past its prober's timeout.
/// The registration's own <see cref="HealthCheckRegistration.Timeout"/> does not do it: it only cancels the token the
/// check is given, and neither that read nor StackExchange.Redis observes one. The check runs off the caller's thread,
/// so that one that blocks before it returns its task (Kafka's synchronous metadata request) is bounded too.
/// </summary>
public sealed class BoundedHealthCheck(IHealthCheck check, TimeSpan timeout, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var checking = Task.Run(() => check.CheckHealthAsync(context, cancellationToken), cancellationToken);
        try
        {
            return await checking.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException e) when (checking.Exception?.InnerException != e)
        {
            // The bound's, not one the check threw, which the health service reports as the check's own failure.
            return new HealthCheckResult(context.Registration.FailureStatus, $"The check '{context.Registration.Name}' did not answer in {timeout.TotalSeconds:0.#} s");
        }
    }
}
