using Microsoft.Extensions.Diagnostics.HealthChecks;
using StreamAttention.Server.Dashboard;

namespace StreamAttention.Server.Diagnostics;

/// <summary>
/// The embedding model is loaded, and which provider scores. <see cref="ModelInfo"/> loads the embedder when the host
/// starts (the dashboard statistics need it), so this check reports rather than waits.
/// </summary>
public sealed class ModelReadinessCheck(ModelInfo model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        return Task.FromResult(HealthCheckResult.Healthy($"{model.Model} ({model.Dimension} dimensions) on {model.ExecutionProvider}", new Dictionary<string, object>
        {
            ["model"] = model.Model,
            ["dimension"] = model.Dimension,
            ["executionProvider"] = model.ExecutionProvider,
        }));
    }
}
