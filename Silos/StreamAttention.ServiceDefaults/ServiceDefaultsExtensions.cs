using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StreamAttention.Contracts.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every StreamAttention service shares (dotnet/eShop's ServiceDefaults): OpenTelemetry traces and metrics of
/// StreamAttention, Orleans, ASP.NET Core and the runtime, exported by OTLP when configured and scraped by
/// Prometheus at <c>/metrics</c>; health checks at <c>/health/live</c> and <c>/health/ready</c>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Tag of the checks <c>/health/live</c> runs: the process is up and serving.</summary>
    public const string LiveTag = "live";

    /// <summary>Tag of the checks <c>/health/ready</c> runs: the service can do its work. Register more with <see cref="AddReadinessCheck{T}"/>.</summary>
    public const string ReadyTag = "ready";

    public const string MetricsPath = "/metrics";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>Activity sources and meters of Orleans (see its docs: Application for grain calls, Runtime for the silo).</summary>
    private static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];
    private const string OrleansMeter = "Microsoft.Orleans";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Read now, not through IOptions: it decides which exporters exist, before the container is built.
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        Validator.ValidateObject(telemetry, new ValidationContext(telemetry), validateAllProperties: true);

        var openTelemetry = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                .AddSource([.. InstrumentNames.ActivitySources, .. OrleansActivitySources])
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsInfrastructure(context.Request.Path)))
            .WithMetrics(metrics => metrics
                .AddMeter(InstrumentNames.Meter, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (telemetry.OtlpEndpoint is { } endpoint)
        {
            openTelemetry.UseOtlpExporter(telemetry.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, endpoint);
        }
        else if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
        {
            // The services' configuration reads only STREAMATTENTION_* variables; the standard OTEL_* ones the exporter reads itself.
            openTelemetry.UseOtlpExporter();
        }

        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Adds a check to <c>/health/ready</c>: e.g. the ingest's Kafka reachability,
    /// <c>builder.Services.AddReadinessCheck&lt;KafkaHealthCheck&gt;("kafka")</c>.
    /// </summary>
    public static IHealthChecksBuilder AddReadinessCheck<T>(this IServiceCollection services, string name) where T : class, IHealthCheck
        => services.AddHealthChecks().AddCheck<T>(name, tags: [ReadyTag]);

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text format; behind <paramref name="metricsPolicy"/> when given) and the
    /// anonymous probes <c>/health/live</c> and <c>/health/ready</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, string? metricsPolicy = null)
    {
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (metricsPolicy is not null)
        {
            metrics.RequireAuthorization(metricsPolicy);
        }
        app.MapHealthChecks(LivePath, HealthOptions(LiveTag));
        app.MapHealthChecks(ReadyPath, HealthOptions(ReadyTag));
        return app;
    }

    private static bool IsInfrastructure(PathString path)
        => path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");

    private static HealthCheckOptions HealthOptions(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteReportAsync,
    };

    /// <summary>Every check's status, description and data, so an operator sees why a service is not ready.</summary>
    private static Task WriteReportAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        }, cancellationToken: context.RequestAborted);
    }
}
