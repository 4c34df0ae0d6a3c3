using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StreamAttention.Contracts.Diagnostics;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every StreamAttention service shares (dotnet/eShop's ServiceDefaults): OpenTelemetry metrics of
/// StreamAttention, Orleans, ASP.NET Core and the runtime, scraped by Prometheus at <c>/metrics</c>; when OTLP is
/// configured, metrics, traces and logs exported by OTLP; health checks at <c>/health/live</c> and <c>/health/ready</c>, the
/// readiness checks' statuses also as a metric (<see cref="HealthStatusGauge"/>).
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The service name telemetry carries (<c>service.name</c>) unless <c>OTEL_SERVICE_NAME</c> gives one.</summary>
    public const string ServiceName = "streamattention";

    public const string MetricsPath = "/metrics";
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>
    /// How long each health check may take before it reports Unhealthy (<see cref="BoundedHealthCheck"/>): below the
    /// Kubernetes readiness probes' 3 s timeout (Deploy/), so that a probe gets an answer that says which check hung.
    /// </summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2.5);

    /// <summary>Activity sources and meters of Orleans (see its docs: Application for grain calls, Runtime for the silo).</summary>
    private static readonly string[] OrleansActivitySources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];
    private const string OrleansMeter = "Microsoft.Orleans";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Read now, not through IOptions: it decides which exporters exist, before the container is built.
        var telemetry = TelemetryOptions.Read(builder.Configuration);

        var openTelemetry = builder.Services.AddOpenTelemetry()
            // Without a name every signal says "unknown_service:<process>"; the standard OTEL_SERVICE_NAME still names it.
            .ConfigureResource(resource => resource.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(InstrumentNames.Meter, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (telemetry.ExportsOtlp)
        {
            AddOtlpExport(openTelemetry, telemetry);
        }
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [HealthCheckTags.Live]);
        // The readiness checks' statuses as a metric: the publisher runs them on its period, not each scrape.
        builder.Services.AddSingleton<IHealthCheckPublisher, HealthStatusGauge>();
        builder.Services.AddSingleton<HealthCheckFailures>();
        builder.Services.Configure<HealthCheckPublisherOptions>(options => options.Predicate = check => check.Tags.Contains(HealthCheckTags.Ready));
        builder.Services.AddOptions<HealthCheckServiceOptions>().PostConfigure(options =>
        {
            foreach (var registration in options.Registrations)
            {
                var create = registration.Factory;
                registration.Factory = services => new BoundedHealthCheck(create(services), CheckTimeout, TimeProvider.System);
            }
        });
        return builder;
    }

    /// <summary>
    /// Whether this service exports traces (OTLP is configured): only then do grain calls need to carry trace context
    /// (<c>AddActivityPropagation()</c> on silos and clients), since without an exporter nothing records activities.
    /// </summary>
    public static bool ExportsTraces(this IHostApplicationBuilder builder) => TelemetryOptions.Read(builder.Configuration).ExportsOtlp;

    /// <summary>
    /// Traces, logs and OTLP export of every signal. Traces leave the process only by OTLP, so only then does a tracer
    /// listen to our and Orleans' activity sources: without one no activity is created (each grain call's activity, tags
    /// and request context were ~5 % of the allocations at saturation when they were recorded for nobody). Each log
    /// record carries the trace and span it was written in, so the collector shows a span's logs beside it; the
    /// formatted message and the scopes (a request's path) go with its template and values.
    /// </summary>
    private static void AddOtlpExport(OpenTelemetryBuilder openTelemetry, TelemetryOptions telemetry)
    {
        openTelemetry.WithLogging(configureBuilder: null, configureOptions: logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        openTelemetry.WithTracing(tracing => tracing
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(telemetry.TraceSampleRatio)))
            .AddSource([.. InstrumentNames.ActivitySources, .. OrleansActivitySources])
            // Before the exporter's processor: a span leaves the process without the user's key.
            .AddProcessor(new UserGrainIdRedaction())
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsInfrastructure(context.Request.Path)));
        if (!telemetry.RawUserPaths)
        {
            openTelemetry.WithTracing(tracing => tracing.AddProcessor(new UrlPathRedaction()));
        }
        if (telemetry.OtlpEndpoint is { } endpoint)
        {
            openTelemetry.UseOtlpExporter(telemetry.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, endpoint);
        }
        else
        {
            // The services' configuration reads only STREAMATTENTION_* variables; the standard OTEL_* ones the exporter reads itself.
            openTelemetry.UseOtlpExporter();
        }
        if (!telemetry.RawUserPaths)
        {
            RedactRequestPathScopes(openTelemetry.Services);
        }
    }

    /// <summary>
    /// The OTLP log provider wrapped in <see cref="RequestPathScopeRedaction"/>: the exporter's registration, whichever
    /// of its calls made it (each adds it once), is replaced by one that wraps it.
    /// </summary>
    private static void RedactRequestPathScopes(IServiceCollection services)
    {
        var otlp = services.Single(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationFactory?.Method.ReturnType == typeof(OpenTelemetryLoggerProvider));
        services.Remove(otlp);
        services.AddSingleton<ILoggerProvider>(provider => new OtlpRequestPathScopeRedaction((ILoggerProvider)otlp.ImplementationFactory!(provider)));
    }

    /// <summary>
    /// The wrapper under the OTLP provider's alias: the logging filter rules select a provider by its type's alias, so
    /// <c>Logging:OpenTelemetry:LogLevel</c> still sets the export's levels.
    /// </summary>
    [ProviderAlias("OpenTelemetry")]
    private sealed class OtlpRequestPathScopeRedaction(ILoggerProvider otlp) : RequestPathScopeRedaction(otlp);

    /// <summary>
    /// Adds a check to <c>/health/ready</c> (<see cref="HealthCheckTags.Ready"/>): e.g. the silo's membership,
    /// <c>builder.Services.AddReadinessCheck&lt;SiloReadinessCheck&gt;("silo")</c>.
    /// </summary>
    public static IHealthChecksBuilder AddReadinessCheck<T>(this IServiceCollection services, string name) where T : class, IHealthCheck
        => services.AddHealthChecks().AddCheck<T>(name, tags: [HealthCheckTags.Ready]);

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text format; behind <paramref name="metricsPolicy"/> when given) and the
    /// anonymous probes <c>/health/live</c> and <c>/health/ready</c>, whose checks' data (addresses, versions) only a
    /// caller <paramref name="metricsPolicy"/> admits is shown.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app, string? metricsPolicy = null)
    {
        var metrics = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (metricsPolicy is not null)
        {
            metrics.RequireAuthorization(metricsPolicy);
        }
        app.MapHealthChecks(LivePath, HealthOptions(HealthCheckTags.Live, metricsPolicy));
        app.MapHealthChecks(ReadyPath, HealthOptions(HealthCheckTags.Ready, metricsPolicy));
        return app;
    }

    private static bool IsInfrastructure(PathString path)
        => path.StartsWithSegments(MetricsPath) || path.StartsWithSegments("/health");

    private static HealthCheckOptions HealthOptions(string tag, string? detailsPolicy) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = (context, report) => WriteReportAsync(context, report, detailsPolicy),
    };

    /// <summary>
    /// Every check's status and description, so an operator sees why a service is not ready; its data too for a
    /// caller <paramref name="detailsPolicy"/> admits (the probes are anonymous, and the data names addresses). The
    /// checks not Healthy are counted (<see cref="HealthCheckFailures"/>): the gauge shows the publisher's runs only.
    /// </summary>
    private static async Task WriteReportAsync(HttpContext context, HealthReport report, string? detailsPolicy)
    {
        context.RequestServices.GetRequiredService<HealthCheckFailures>().Count(report);
        var details = detailsPolicy is null
            || (await context.RequestServices.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, detailsPolicy)).Succeeded;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = details ? e.Value.Data : null,
            }),
        }, cancellationToken: context.RequestAborted);
    }
}
