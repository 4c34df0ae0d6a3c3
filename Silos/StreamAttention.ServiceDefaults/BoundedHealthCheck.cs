using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// A health check that answers within <paramref name="timeout"/>: Unhealthy, saying so, when <paramref name="check"/>
/// has not. A check that awaits a call with no timeout of its own (Orleans' membership table on a Redis that stopped
/// answering: StackExchange.Redis gives up after its own 5 s) would otherwise hold the whole probe past its prober's timeout.
/// A check that blocks before it returns its task (Kafka's synchronous metadata request) bounds itself.
/// </summary>
public sealed class BoundedHealthCheck(IHealthCheck check, TimeSpan timeout, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await check.CheckHealthAsync(context, cancellationToken).WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The check '{context.Registration.Name}' did not answer in {timeout.TotalSeconds:0.#} s");
        }
    }
}
