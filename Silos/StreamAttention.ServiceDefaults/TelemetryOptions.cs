using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>Section "Telemetry": where traces and metrics go besides the Prometheus scrape endpoint.</summary>
public sealed class TelemetryOptions : IValidatableObject
{
    public const string SectionName = "Telemetry";

    /// <summary>The standard variable that configures the OTLP exporter when <see cref="OtlpEndpoint"/> is unset.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OTLP collector, e.g. http://127.0.0.1:4317. Unset: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> environment
    /// variable decides (with its <c>OTEL_EXPORTER_OTLP_*</c> companions); neither set: no OTLP export, and no traces.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>The protocol to <see cref="OtlpEndpoint"/>: "grpc" (the OTLP default) or "http/protobuf".</summary>
    [RegularExpression("^(grpc|http/protobuf)$", ErrorMessage = "Telemetry:OtlpProtocol must be 'grpc' or 'http/protobuf'.")]
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>
    /// Share of traces recorded when traces are exported: a trace that starts here is kept with this probability (by
    /// its trace id), one that comes with a parent follows the parent's decision. 1 records every trace.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Telemetry:TraceSampleRatio must be between 0 and 1.")]
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>
    /// Whether a request's path leaves as it came: ASP.NET Core's server spans (<c>url.path</c>) and the logs'
    /// <c>RequestPath</c> scope (console and OTLP) name the user on a user's routes. False (the default): the user's
    /// segment is written <c>{userId}</c> there (<see cref="UserPaths"/>).
    /// </summary>
    public bool RawUserPaths { get; set; }

    /// <summary>Whether OTLP export is configured, here or by <see cref="OtlpEndpointVariable"/>.</summary>
    public bool ExportsOtlp => OtlpEndpoint is not null || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // The exporter takes a relative or non-HTTP address at start and fails with an unhandled exception of its own.
        if (OtlpEndpoint is { IsAbsoluteUri: false } or { Scheme: not ("http" or "https") })
        {
            yield return new ValidationResult($"Telemetry:OtlpEndpoint must be an absolute http or https URL (http://127.0.0.1:4317), not '{OtlpEndpoint}'.", [nameof(OtlpEndpoint)]);
        }
    }

    /// <summary>The section of <paramref name="configuration"/>, validated.</summary>
    public static TelemetryOptions Read(IConfiguration configuration)
    {
        return configuration.GetValidated<TelemetryOptions>(SectionName);
    }
}
